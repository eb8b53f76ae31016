// Command manifestgen writes a firmware manifest file, ASN.1 DER in the
// schema of ARM's manifest-tool (v1 or v3), for trying the manifest
// upload without manifest-tool. Its signature is a placeholder: the
// service does not verify signatures, real devices do, so its files are
// for development and tests only. It prints the class id, the device
// class devices must report for campaigns of the manifest.
//
//	manifestgen -o fw.manifest -payload-url URL -payload-digest HEX -payload-size N \
//	    [-schema 3] [-vendor-domain D] [-model M] [-delta -precursor-digest HEX] \
//	    [-priority N] [-component NAME] [-version SEMVER] [-timestamp UNIX]
package main

import (
	"context"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	mft "github.com/updateservice/updateservice/domain/manifestfile/manifestfiletest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "manifestgen:", err)
		os.Exit(2)
	}
}

// run writes the manifest the flags describe and prints its class id.
func run(_ context.Context, args []string, _ func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("manifestgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "the manifest file to write (required)")
	schema := fs.Int("schema", 3, "manifest schema version, 1 or 3")
	vendorDomain := fs.String("vendor-domain", "vendor.example", "the vendor's domain: the vendor id is its UUIDv5")
	model := fs.String("model", "sensor", "the device model: the class id is its UUIDv5 in the vendor's")
	url := fs.String("payload-url", "", "where devices fetch the payload (required)")
	digest := fs.String("payload-digest", "", "the payload's SHA-256, hex (required)")
	size := fs.Int64("payload-size", 0, "the payload's size in bytes")
	delta := fs.Bool("delta", false, "the payload is a delta (arm-patch-stream)")
	precursor := fs.String("precursor-digest", "", "a delta's precursor firmware SHA-256, hex")
	priority := fs.Int64("priority", 0, "update priority")
	component := fs.String("component", "MAIN", "v3 component name")
	version := fs.String("version", "1.0.0", "v3 payload version")
	timestamp := fs.Int64("timestamp", time.Now().Unix(), "v1 timestamp, seconds since 1970")
	if err := fs.Parse(args); err != nil {
		return err
	}
	payload, err1 := hex.DecodeString(*digest)
	pre, err2 := hex.DecodeString(*precursor)
	if err := errors.Join(err1, err2); err != nil || *out == "" || *url == "" || *digest == "" || (*schema != 1 && *schema != 3) {
		return fmt.Errorf("need -o, -payload-url, -payload-digest in hex and -schema 1 or 3: %v", err)
	}
	vendor, class := mft.IDs(*vendorDomain, *model)
	u := mft.Update{Vendor: vendor, Class: class, Timestamp: *timestamp, PayloadURL: *url, PayloadDigest: payload,
		PayloadSize: *size, Delta: *delta, PrecursorDigest: pre, Priority: *priority, Component: *component, Version: *version}
	var der []byte
	var err error
	if *schema == 1 {
		der, err = mft.V1(u).DER()
	} else {
		der, err = mft.V3(u).DER()
	}
	if err != nil {
		return err
	}
	if err := os.WriteFile(*out, der, 0o644); err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, class)
	return err
}
