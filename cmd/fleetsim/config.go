package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// DefaultManifestDigest is the firmware checksum "uptodate" devices report
// unless -manifest-digest says otherwise: sha256("fleetsim firmware 2").
// Register the walk-through's manifest with this delivered_payload_digest.
const DefaultManifestDigest = "160152ccf38c1fa5fb45937b101bcb50fe62d9e7d17d083cf364a2f21207b7f8"

// config is fleetsim's whole configuration, from flags (the API address
// and the accounts may also come from FLEETSIM_API and FLEETSIM_ACCOUNTS).
type config struct {
	// API is the Update Service's base URL: devices are registered there
	// and notifications go to its webhook.
	API string
	// Accounts are the accounts fleetsim plays the connector for, each
	// with a fleet of Devices of its own: account k's is drawn from seed
	// Seed+k, so the same device id has different outcomes in two
	// accounts, and a report that reached the wrong one would show.
	Accounts []account
	// Listen is the address the simulated connector serves on.
	Listen string
	// Advertise is the connector URL put in the devices' mechanism_url;
	// empty: http://<listen address>.
	Advertise string
	// Devices is the number of simulated devices.
	Devices int
	// Seed fixes which device gets which outcome, failure code and latency.
	Seed uint64
	// Latency is the mean time a device takes per step; each step takes a
	// seeded 50% to 150% of it.
	Latency time.Duration
	// Mix is the share of devices per outcome category.
	Mix mix
	// MixFrom gives the devices from a number on another mix (-mix-from).
	MixFrom []mixFrom
	// FailCodes is the range of update result codes failing devices report.
	FailCodes [2]int
	// FlakyCode is the result code of a flaky device's first attempt.
	FlakyCode int
	// DeviceClass is the class of every device but the "wrongclass" ones;
	// it must be the manifest's device class.
	DeviceClass string
	// Vendor is the devices' vendor_id; empty: not sent.
	Vendor string
	// ManifestDigest is the firmware checksum "uptodate" devices report:
	// the manifest's delivered_payload_digest.
	ManifestDigest string
	// Prefix starts every device id.
	Prefix string
	// ExpectJSON is a file to write the expected outcome per device to.
	ExpectJSON string
	// Register sends the devices to the service at start (off when they
	// were registered by an earlier run).
	Register bool
	// RunFor ends the simulation after this long; zero: until interrupted.
	RunFor time.Duration
	// Batch and Flush bound a webhook body: at most Batch items, sent at
	// most Flush after its first item.
	Batch int
	Flush time.Duration
	// WebhookParallel is the number of webhook shards: each posts one body
	// at a time, and a device always goes to the same one, so its items
	// reach the service in order while several bodies are in flight.
	WebhookParallel int
	// Heartbeat is how often a device busy in a step repeats its current
	// update state; zero: never.
	Heartbeat time.Duration
	// RetryFor is how long a webhook body is retried before it is given up
	// (and logged).
	RetryFor time.Duration
	// Roles are the roles played (-roles): the connector, the Device
	// Registry, the Director.
	Roles []string
	// OTA configures the Device Registry and the Director.
	OTA otaConfig
}

// parseConfig reads the flags and checks them, naming every problem.
func parseConfig(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	c := config{Mix: defaultMix()}
	fs := flag.NewFlagSet("fleetsim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.API, "api", orDefault(getenv("FLEETSIM_API"), "http://localhost:8084"), "Update Service base URL (FLEETSIM_API)")
	var accounts []string
	fs.Func("account", "account:api-key:connector-key:webhook-secret, repeatable or comma-separated (FLEETSIM_ACCOUNTS)",
		func(v string) error { accounts = append(accounts, v); return nil })
	fs.StringVar(&c.Listen, "listen", "127.0.0.1:8085", "address of the simulated connector")
	fs.StringVar(&c.Advertise, "advertise", "", "connector URL registered as the devices' mechanism_url (default http://<listen>)")
	fs.IntVar(&c.Devices, "devices", 100, "number of simulated devices")
	fs.Uint64Var(&c.Seed, "seed", 1, "seed of outcomes, failure codes and latencies")
	fs.DurationVar(&c.Latency, "latency", 50*time.Millisecond, "mean time per device step")
	fs.Var(&c.Mix, "mix", "outcome shares: "+strings.Join(categoryNames(), ", "))
	fs.Func("mix-from", "N:MIX: devices from number N on take outcome shares MIX (repeatable, N rising)", func(v string) error {
		m, err := parseMixFrom(v)
		c.MixFrom = append(c.MixFrom, m)
		return err
	})
	codes := fs.String("fail-codes", "2-12", "range of update result codes of failing devices")
	fs.IntVar(&c.FlakyCode, "flaky-code", 13, "update result code of a flaky device's first attempt")
	fs.StringVar(&c.DeviceClass, "device-class", "fleetsim-class", "device class (the manifest's)")
	fs.StringVar(&c.Vendor, "vendor", "", "vendor id of the devices (not sent when empty)")
	fs.StringVar(&c.ManifestDigest, "manifest-digest", DefaultManifestDigest, "firmware checksum of uptodate devices (the manifest's delivered_payload_digest)")
	fs.StringVar(&c.Prefix, "prefix", "sim-", "device id prefix")
	fs.StringVar(&c.ExpectJSON, "expect-json", "", "write the expected outcome per device to this file")
	fs.BoolVar(&c.Register, "register", true, "register the devices at start")
	fs.DurationVar(&c.RunFor, "run-for", 0, "stop after this long (0: until interrupted)")
	fs.IntVar(&c.Batch, "batch", 500, "most items per webhook body")
	fs.IntVar(&c.WebhookParallel, "webhook-parallel", 4, "webhook bodies in flight at once (shards of devices)")
	fs.DurationVar(&c.Flush, "flush", 20*time.Millisecond, "longest wait before a webhook body is sent")
	fs.DurationVar(&c.Heartbeat, "heartbeat", time.Second, "how often a busy device repeats its state (0: never)")
	fs.DurationVar(&c.RetryFor, "retry-for", 10*time.Minute, "how long a webhook body is retried")
	c.Roles = []string{roleConnector}
	var groups string
	addOTAFlags(fs, &c.OTA, &c.Roles, &groups)
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	var problems []error
	var err error
	if c.OTA, err = validateRoles(c.Roles, c.OTA, groups); err != nil {
		problems = append(problems, err)
	}
	if c.Accounts, err = parseAccounts(accounts, getenv("FLEETSIM_ACCOUNTS")); err != nil {
		problems = append(problems, err)
	}
	if fs.NArg() > 0 {
		problems = append(problems, fmt.Errorf("unexpected arguments %q", fs.Args()))
	}
	if lo, hi, err := parseRange(*codes); err != nil {
		problems = append(problems, fmt.Errorf("-fail-codes %q: %v", *codes, err))
	} else {
		c.FailCodes = [2]int{lo, hi}
	}
	problems = append(problems, c.validate())
	if err := errors.Join(problems...); err != nil {
		return c, fmt.Errorf("invalid flags:\n%w", err)
	}
	return c, nil
}

// validate checks what parsing alone does not.
func (c config) validate() error {
	var problems []error
	if slices.Contains(c.Roles, roleConnector) {
		problems = append(problems, accountsProblem(c.Accounts))
	}
	check := func(ok bool, format string, args ...any) {
		if !ok {
			problems = append(problems, fmt.Errorf(format, args...))
		}
	}
	u, err := url.Parse(c.API)
	check(err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "", "-api %q: want an http(s) URL", c.API)
	check(c.Devices > 0 && c.Devices <= math.MaxUint32, "-devices %d: want 1 to %d", c.Devices, math.MaxUint32)
	check(c.Latency >= 0 && c.Flush > 0 && c.Heartbeat >= 0 && c.RunFor >= 0 && c.RetryFor > 0, "durations must not be negative (-flush and -retry-for above zero)")
	check(c.Batch > 0, "-batch %d: want at least 1", c.Batch)
	check(c.WebhookParallel > 0, "-webhook-parallel %d: want at least 1", c.WebhookParallel)
	check(c.DeviceClass != "", "-device-class is empty")
	check(c.Mix.total() > 0, "-mix gives no device any outcome")
	for i, m := range c.MixFrom {
		check(m.Number > 1 && (i == 0 || m.Number > c.MixFrom[i-1].Number) && m.Mix.total() > 0,
			"-mix-from %d: want device numbers above 1, rising, each with a mix giving devices an outcome", m.Number)
	}
	check(c.FlakyCode >= 2, "-flaky-code %d: want a code from 2 up", c.FlakyCode)
	check(c.Mix[catUptodate] == 0 || c.ManifestDigest != "", "-manifest-digest is needed for uptodate devices")
	check(c.FailCodes[0] >= 2 && c.FailCodes[0] <= c.FailCodes[1], "-fail-codes %d-%d: want codes from 2 up (0 is initial, 1 success)", c.FailCodes[0], c.FailCodes[1])
	check(!strings.ContainsAny(c.Prefix, " /\t"), "-prefix %q: no spaces or slashes in device ids", c.Prefix)
	return errors.Join(problems...)
}

// mixFrom is one -mix-from: a mix for the devices from Number on.
type mixFrom struct {
	Number int
	Mix    mix
}

// parseMixFrom reads "N:category=share,…".
func parseMixFrom(v string) (mixFrom, error) {
	n, shares, ok := strings.Cut(v, ":")
	number, err := strconv.Atoi(n)
	if !ok || err != nil {
		return mixFrom{}, fmt.Errorf("-mix-from %q: want N:category=share,…", v)
	}
	m := mixFrom{Number: number}
	return m, m.Mix.Set(shares)
}

// parseRange reads "lo-hi" or a single number.
func parseRange(s string) (lo, hi int, err error) {
	from, to, found := strings.Cut(s, "-")
	if lo, err = strconv.Atoi(from); err != nil {
		return 0, 0, err
	}
	if !found {
		return lo, lo, nil
	}
	if hi, err = strconv.Atoi(to); err != nil {
		return 0, 0, err
	}
	return lo, hi, nil
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
