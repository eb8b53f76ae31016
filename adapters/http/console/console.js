"use strict";
// The operator's console. The page holds no data: this script reads the
// API with the operator's key (kept in sessionStorage, so it goes with the
// tab) and follows a campaign's progress stream with fetch(), because
// EventSource cannot send an Authorization header.

const keyName = "updateservice.apiKey";
const app = document.getElementById("app");
const endedPhases = ["stopped", "archived", "deleted"];
// The series the chart draws, with their colours (the legend's swatches
// in console.css match them).
const series = [
  ["deployed", "Deployed", "#1a7f37"],
  ["failed_total", "Failed", "#cf222e"],
  ["in_progress", "In progress", "#0969da"],
  ["pending", "Pending", "#9a6700"],
];
const maxSamples = 600;

// el makes an element with attributes and children (strings become text:
// nothing the API answers is ever read as HTML).
function el(tag, attrs, ...children) {
  const svg = ["svg", "polyline", "line", "text", "title"].includes(tag);
  const e = svg ? document.createElementNS("http://www.w3.org/2000/svg", tag) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

function apiKey() { return sessionStorage.getItem(keyName) || ""; }

async function api(path, accept) {
  const res = await fetch(path, { headers: { Authorization: "Bearer " + apiKey(), Accept: accept || "application/json" } });
  if (res.status === 401) {
    sessionStorage.removeItem(keyName);
    showKeyForm("The service refused this key: enter another.");
    throw new Error("unauthorized");
  }
  return res;
}

async function json(path) {
  const res = await api(path);
  if (!res.ok) throw new Error(path + " answered " + res.status);
  return res.json();
}

function showKeyForm(message) {
  document.getElementById("forget-key").hidden = true;
  // No name: were the form ever sent natively, the key would not go with it.
  const input = el("input", { id: "api-key", type: "password", autocomplete: "off", required: "" });
  const form = el("form", { id: "key-form" },
    el("label", { for: "api-key" }, "API key"), input, el("button", { type: "submit" }, "Use this key"));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    sessionStorage.setItem(keyName, input.value.trim());
    start();
  });
  app.replaceChildren(el("h2", {}, "Your API key"),
    el("p", { class: message ? "error" : "" }, message || "The console reads the API as the account of the key you enter. It is kept for this tab only."),
    form);
  input.focus();
}

function cell(value, number) { return el("td", number ? { class: "number" } : {}, value ?? ""); }

async function showList() {
  const status = el("p", { class: "status", role: "status" }, "Loading campaigns…");
  const body = el("tbody");
  const heads = ["Name", "Phase", "State", "Health", "Started", "Devices", "Succeeded", "Failed", "Pending", "Skipped"];
  app.replaceChildren(el("h2", {}, "Campaigns"), status,
    el("table", { id: "campaigns" }, el("caption", {}, "The account's update campaigns, newest first"),
      el("thead", {}, el("tr", {}, ...heads.map((h) => el("th", { scope: "col" }, h)))), body));
  const page = await json("/v3/update-campaigns?limit=100&order=DESC");
  await Promise.all(page.data.map(async (c) => {
    const m = await json("/v3/update-campaigns/" + encodeURIComponent(c.id) + "/metrics").catch(() => ({}));
    body.append(el("tr", { "data-campaign": c.id },
      el("th", { scope: "row" }, el("a", { href: "/console/campaigns/" + encodeURIComponent(c.id) }, c.name)),
      cell(c.phase), cell(c.state), cell(c.health_indicator), cell(c.started_at ? new Date(c.started_at).toLocaleString() : "—"),
      cell(m.total_count, true), cell(m.success_count, true), cell(m.failed_count, true), cell(m.pending_count, true), cell(m.skipped_count, true)));
  }));
  status.textContent = page.data.length ? page.data.length + " campaigns." : "No campaigns yet.";
}

// campaignView lays out a campaign's page and returns what updates it.
function campaignView(c) {
  const status = el("p", { class: "status", role: "status", id: "stream-status" }, "Connecting to the progress stream…");
  const facts = el("dl", { id: "facts" });
  const counters = el("tbody");
  const failures = el("tbody");
  const waves = el("section", { id: "waves", "aria-labelledby": "waves-title" }, el("h2", { id: "waves-title" }, "Waves"),
    el("p", { class: "status" }, "This campaign's progress has no waves."));
  const chart = el("svg", { class: "chart", id: "chart", viewBox: "0 0 640 260", width: "640", height: "260", role: "img", "aria-labelledby": "chart-title" });
  app.replaceChildren(el("h2", {}, c.name), status, facts,
    el("div", { class: "panels" },
      el("section", { "aria-labelledby": "counters-title" }, el("h2", { id: "counters-title" }, "Counters"),
        el("table", { id: "counters" }, el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "Counter"), el("th", { scope: "col" }, "Devices"))), counters)),
      el("section", { "aria-labelledby": "chart-heading" }, el("h2", { id: "chart-heading" }, "Progress over time"), chart,
        el("ul", { class: "legend" }, ...series.map(([k, label]) => el("li", {}, el("span", { class: "swatch swatch-" + k }), label)))),
      el("section", { "aria-labelledby": "failures-title" }, el("h2", { id: "failures-title" }, "Failures"),
        el("table", { id: "failures" }, el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "Code"), el("th", { scope: "col" }, "Devices"))), failures))),
    waves);
  const samples = [];
  return {
    status(text) { status.textContent = text; },
    update(p) {
      const shown = { Phase: p.phase, State: p.state, Health: p.health_indicator, "Autostop reason": p.autostop_reason || "—", "Last change": new Date(p.at).toLocaleString() };
      if ("paused" in p) shown.Paused = p.paused ? "yes: " + p.pause_reason : "no";
      if (p.wave) shown.Wave = p.wave + " of " + (p.waves || []).length;
      facts.replaceChildren(...Object.entries(shown).flatMap(([k, v]) => [el("dt", {}, k), el("dd", { "data-fact": k }, v)]));
      counters.replaceChildren(...Object.entries(p.counters).map(([k, v]) =>
        el("tr", {}, el("th", { scope: "row" }, k.replaceAll("_", " ")), el("td", { class: "number", "data-counter": k }, v))));
      failures.replaceChildren(...(p.failures.length ? p.failures.map((f) => el("tr", {}, el("td", {}, f.code), cell(f.count, true)))
        : [el("tr", {}, el("td", { colspan: "2" }, "No failures."))]));
      if (Array.isArray(p.waves)) drawWaves(waves, p.waves);
      samples.push({ t: Date.now(), counters: p.counters });
      if (samples.length > maxSamples) samples.shift();
      drawChart(chart, samples);
    },
  };
}

function drawWaves(section, waves) {
  const cols = [...new Set(waves.flatMap((w) => Object.keys(w)))];
  section.replaceChildren(el("h2", { id: "waves-title" }, "Waves"), el("table", { id: "waves-table" },
    el("thead", {}, el("tr", {}, ...cols.map((k) => el("th", { scope: "col" }, k.replaceAll("_", " "))))),
    el("tbody", {}, ...waves.map((w) => el("tr", {}, ...cols.map((k) => cell(typeof w[k] === "object" ? JSON.stringify(w[k]) : w[k], typeof w[k] === "number")))))));
}

// drawChart draws each series over the samples' times, scaled to the
// largest count seen (at least the targeted devices).
function drawChart(svg, samples) {
  const w = 640, h = 260, pad = 36;
  const t0 = samples[0].t, span = Math.max(samples[samples.length - 1].t - t0, 1);
  const top = Math.max(1, ...samples.map((s) => Math.max(s.counters.targeted, ...series.map(([k]) => s.counters[k]))));
  const x = (t) => (pad + (w - 2 * pad) * (t - t0) / span).toFixed(1);
  const y = (v) => (h - pad - (h - 2 * pad) * v / top).toFixed(1);
  svg.replaceChildren(el("title", { id: "chart-title" }, "Devices per state over time, up to " + top),
    el("line", { x1: pad, y1: h - pad, x2: w - pad, y2: h - pad, stroke: "#57606a" }),
    el("line", { x1: pad, y1: pad, x2: pad, y2: h - pad, stroke: "#57606a" }),
    el("text", { x: 4, y: pad + 4, "font-size": "11" }, String(top)),
    el("text", { x: 4, y: h - pad + 4, "font-size": "11" }, "0"),
    el("text", { x: w - pad, y: h - 10, "font-size": "11", "text-anchor": "end" }, Math.round(span / 1000) + " s"),
    ...series.map(([k, , colour]) => el("polyline", {
      class: "series", "data-series": k, fill: "none", stroke: colour, "stroke-width": "2",
      points: samples.map((s) => x(s.t) + "," + y(s.counters[k])).join(" "),
    })));
}

// parseEvent reads one server-sent event block.
function parseEvent(block) {
  const ev = { event: "message", data: "" };
  for (const line of block.split("\n")) {
    if (line.startsWith(":")) continue;
    const i = line.indexOf(":");
    const field = i < 0 ? line : line.slice(0, i), value = i < 0 ? "" : line.slice(i + 1).replace(/^ /, "");
    if (field === "data") ev.data += (ev.data ? "\n" : "") + value;
    else if (field === "event" || field === "id") ev[field] = value;
  }
  return ev;
}

// follow reads the campaign's progress stream until the campaign ends,
// reconnecting (with Last-Event-ID) when the connection drops.
async function follow(id, view) {
  let lastId = "";
  for (;;) {
    try {
      const headers = { Authorization: "Bearer " + apiKey(), Accept: "text/event-stream" };
      if (lastId) headers["Last-Event-ID"] = lastId;
      const res = await fetch("/v3/update-campaigns/" + encodeURIComponent(id) + "/progress", { headers });
      if (!res.ok) {
        view.status("The progress stream answered " + res.status + ".");
        if (res.status === 401 || res.status === 404) return;
      } else {
        view.status("Live: numbers update as the campaign moves.");
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buf = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += value.replaceAll("\r\n", "\n");
          for (let i = buf.indexOf("\n\n"); i >= 0; i = buf.indexOf("\n\n")) {
            const ev = parseEvent(buf.slice(0, i));
            buf = buf.slice(i + 2);
            if (ev.id) lastId = ev.id;
            if (ev.event !== "progress" || !ev.data) continue;
            const p = JSON.parse(ev.data);
            view.update(p);
            if (endedPhases.includes(p.phase)) {
              view.status("The campaign is " + p.phase + ": these are its final numbers.");
              return;
            }
          }
        }
      }
    } catch (err) {
      view.status("The progress stream broke off (" + err.message + ").");
    }
    await new Promise((r) => setTimeout(r, 2000));
    view.status("Reconnecting…");
  }
}

async function showCampaign(id) {
  app.replaceChildren(el("p", { class: "status", role: "status" }, "Loading the campaign…"));
  const res = await api("/v3/update-campaigns/" + encodeURIComponent(id));
  if (!res.ok) {
    app.replaceChildren(el("h2", {}, "Campaign not found"), el("p", { class: "error" }, "This account has no campaign " + id + "."));
    return;
  }
  await follow(id, campaignView(await res.json()));
}

function start() {
  if (!apiKey()) return showKeyForm();
  document.getElementById("forget-key").hidden = false;
  const id = app.dataset.campaign;
  (id ? showCampaign(id) : showList()).catch((err) => {
    if (err.message !== "unauthorized") app.append(el("p", { class: "error", role: "alert" }, "The console could not read the API: " + err.message));
  });
}

document.getElementById("forget-key").addEventListener("click", () => {
  sessionStorage.removeItem(keyName);
  showKeyForm();
});
start();
