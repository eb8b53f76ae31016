package main

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"

	"github.com/google/uuid"
)

// otaFleet is the Device Registry's fleet: groups of the sizes -groups
// gives. Group and device ids are UUIDs made of eight bytes drawn from the
// seed, a kind byte, and the group and the device's index, so any id can
// be read back and nothing per device is kept.
type otaFleet struct {
	stem   [8]byte
	groups []int
}

// The kind byte of the ids (its top bits are the UUID variant, 10).
const (
	kindDevice = 0x80
	kindGroup  = 0x90
)

// newOTAFleet draws the ids' stem from the seed.
func newOTAFleet(seed uint64, groups []int) otaFleet {
	f := otaFleet{groups: groups}
	binary.BigEndian.PutUint64(f.stem[:], rand.New(rand.NewPCG(seed, 0x07a)).Uint64())
	f.stem[6] = 0x40 | f.stem[6]&0x0f // version 4
	return f
}

// id makes the UUID of a kind with its two numbers.
func (f otaFleet) id(kind byte, hi, lo int) string {
	var u uuid.UUID
	copy(u[:8], f.stem[:])
	u[8] = kind
	u[9], u[10], u[11] = byte(hi>>16), byte(hi>>8), byte(hi)
	binary.BigEndian.PutUint32(u[12:], uint32(lo))
	return u.String()
}

// read reads an id of a kind back into its numbers; ok is false for an id
// that is not one of this fleet's.
func (f otaFleet) read(kind byte, s string) (hi, lo int, ok bool) {
	u, err := uuid.Parse(s)
	if err != nil || [8]byte(u[:8]) != f.stem || u[8] != kind || len(s) != 36 {
		return 0, 0, false
	}
	return int(u[9])<<16 | int(u[10])<<8 | int(u[11]), int(binary.BigEndian.Uint32(u[12:])), true
}

// groupID is group g's id.
func (f otaFleet) groupID(g int) string { return f.id(kindGroup, 0, g) }

// deviceID is the id of device i of group g.
func (f otaFleet) deviceID(g, i int) string { return f.id(kindDevice, g, i) }

// group reads a group id: its index, if the group exists.
func (f otaFleet) group(s string) (int, bool) {
	_, g, ok := f.read(kindGroup, s)
	return g, ok && g < len(f.groups)
}

// device reads a device id: its group and index, if the device exists.
func (f otaFleet) device(s string) (g, i int, ok bool) {
	g, i, ok = f.read(kindDevice, s)
	return g, i, ok && g < len(f.groups) && i < f.groups[g]
}

// oemID is the device's own id, as its maker gave it.
func (f otaFleet) oemID(g, i int) string { return fmt.Sprintf("OEM-%X-%02d-%06d", f.stem[:2], g, i) }
