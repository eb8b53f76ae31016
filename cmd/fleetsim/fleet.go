package main

import (
	"fmt"
	"math/rand/v2"
)

// fleet is the simulated devices in compact form: one byte per device
// (its category) is all it keeps, and everything else about a device is
// derived from (seed, index) when asked. A million devices thus cost about
// a megabyte, where a struct per device cost hundreds.
type fleet struct {
	seed           uint64
	prefix         string
	width          int // digits of the zero-padded number in an id
	class, other   string
	manifestDigest string
	failCodes      [2]int
	flakyCode      int
	// cats is each device's category, as an index into categories: the
	// exact counts of the mix in a seeded order cannot be derived from the
	// index alone without keeping something per device.
	cats []uint8
}

// device is one simulated device, derived by fleet.device: its catalog
// attributes and the script it follows when the service writes its
// manifest. Two runs with the same flags derive the same devices.
type device struct {
	Index    int
	Category category
	Class    string
	// Result is the update result (/10252/0/3): 1 success, else a failure code.
	Result int
	// AsyncStatus and AsyncError are the async response to the write.
	AsyncStatus int
	AsyncError  string
	// states are the update states (/10252/0/2) reported before the
	// result, nStates of them; an array so that deriving a device for
	// every step of a script allocates nothing for them.
	states  [3]int
	nStates int
	// checksum is the firmware checksum's 256 bits, or digest when the
	// device runs the manifest's firmware.
	checksum [4]uint64
	digest   string
	// seed drives the device's latencies.
	seed uint64
}

// rejections are the async responses of "reject" devices: Connect's
// statuses for a write the device did not take.
var rejections = []struct {
	status int
	err    string
}{{404, "NOT_FOUND"}, {406, "NOT_ACCEPTABLE"}, {502, "TIMEOUT"}}

// newFleet places exact counts per category from the mix in a seeded
// order. The shuffle is the one the fleet always had, so a seed gives
// every device the same category as before the fleet became compact.
//
// With -mix-from the devices are cut into ranges, each placed by its own
// mix and shuffled in itself (the first range as the whole fleet was), so
// a test can know which devices of a rollout's waves fail.
func newFleet(c config) *fleet {
	cats := make([]uint8, 0, c.Devices)
	for k, r := range c.mixRanges() {
		counts := r.mix.counts(r.to - r.from)
		part := make([]uint8, 0, r.to-r.from)
		for i, cat := range categories {
			for range counts[cat] {
				part = append(part, uint8(i))
			}
		}
		shuffle := rand.New(rand.NewPCG(c.Seed, uint64(k)))
		shuffle.Shuffle(len(part), func(i, j int) { part[i], part[j] = part[j], part[i] })
		cats = append(cats, part...)
	}
	return &fleet{seed: c.Seed, prefix: c.Prefix, width: len(fmt.Sprint(c.Devices)),
		class: c.DeviceClass, other: c.DeviceClass + "-other", manifestDigest: c.ManifestDigest,
		failCodes: c.FailCodes, flakyCode: c.FlakyCode, cats: cats}
}

// mixRange is the devices from index from to before to, and their mix.
type mixRange struct {
	from, to int
	mix      mix
}

// mixRanges cuts the fleet by -mix-from: -mix up to the first, each
// -mix-from's mix from its device number on.
func (c config) mixRanges() []mixRange {
	ranges := []mixRange{{from: 0, to: c.Devices, mix: c.Mix}}
	for _, m := range c.MixFrom {
		from := min(m.Number-1, c.Devices)
		ranges[len(ranges)-1].to = from
		ranges = append(ranges, mixRange{from: from, to: c.Devices, mix: m.Mix})
	}
	return ranges
}

// size is the number of devices.
func (f *fleet) size() int { return len(f.cats) }

// category is device i's category, without deriving the rest.
func (f *fleet) category(i int) category { return categories[f.cats[i]] }

// device derives device i: seeded failure code, states, async response,
// firmware checksum and latency seed. The draws are in the order they
// always were, so a seed keeps its outcomes.
func (f *fleet) device(i int) device {
	r := rand.New(rand.NewPCG(f.seed, uint64(i)+1))
	d := device{Index: i, Category: f.category(i), Class: f.class,
		checksum: [4]uint64{r.Uint64(), r.Uint64(), r.Uint64(), r.Uint64()},
		states:   [3]int{2, 4, 7}, nStates: 3, Result: 1, AsyncStatus: 200, seed: r.Uint64()}
	if r.IntN(2) == 1 {
		d.states[2] = 8 // some devices report rebooting rather than updating
	}
	switch d.Category {
	case catFail:
		d.nStates = 1 + r.IntN(d.nStates)
		d.Result = f.failCodes[0] + r.IntN(f.failCodes[1]-f.failCodes[0]+1)
	case catUptodate:
		d.digest = f.manifestDigest
	case catWrongClass:
		d.Class = f.other
	case catReject:
		rej := rejections[r.IntN(len(rejections))]
		d.AsyncStatus, d.AsyncError = rej.status, rej.err
	case catFlaky:
		d.nStates, d.Result = 1, f.flakyCode
	case catSuccess, catSilent, catDeregistered:
	}
	return d
}

// recovered is a flaky device on a write after its first: it installs.
func (d device) recovered() device {
	d.nStates, d.Result = 3, 1
	return d
}

// States returns the update states the device reports, in order.
func (d device) States() []int { return d.states[:d.nStates] }

// Checksum is the firmware checksum the device is registered with.
func (d device) Checksum() string {
	if d.digest != "" {
		return d.digest
	}
	return fmt.Sprintf("%016x%016x%016x%016x", d.checksum[0], d.checksum[1], d.checksum[2], d.checksum[3])
}
