package main

import (
	"errors"
	"flag"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The roles fleetsim plays; -roles chooses them.
const (
	roleConnector = "connector" // Pelion Connect with simulated devices
	roleRegistry  = "registry"  // Campaigner's Device Registry
	roleDirector  = "director"  // Campaigner's Director
)

// otaConfig configures the Device Registry and the Director fleetsim
// plays for the Campaigner side of the service.
type otaConfig struct {
	// Listen is where the Registry's and the Director's APIs are served
	// (their paths differ, so one address serves both).
	Listen string
	// Groups are the sizes of the Registry's device groups.
	Groups []int
	// Unaffected is the share (0 to 1) of devices the Director does not
	// affect: Assign leaves them out.
	Unaffected float64
	// FailureRate is the share (0 to 1) of Director calls answered 503.
	FailureRate float64
	// OutageAfter and OutageFor make the Director answer every call 503
	// for OutageFor once it has taken OutageAfter calls; OutageFor zero:
	// no outage.
	OutageAfter int
	OutageFor   time.Duration
	// Results is the mix of outcomes of the devices the Director updates.
	Results results
	// Latency is the mean time an installation takes; each takes a seeded
	// 50% to 150% of it.
	Latency time.Duration
	// Kafka is the broker the Director's update reports go to.
	Kafka string
	// Record, when set, is the file the Director writes what it answered
	// and reported for each device to, a JSON line each (directorEvent).
	Record string
}

// addOTAFlags declares the flags of the Registry and the Director.
func addOTAFlags(fs *flag.FlagSet, o *otaConfig, roles *[]string, groups *string) {
	fs.Func("roles", "roles to play, comma-separated: connector, registry, director (default connector)", func(v string) error {
		*roles = strings.Split(v, ",")
		return nil
	})
	fs.StringVar(&o.Listen, "ota-listen", "127.0.0.1:8086", "address of the Device Registry and Director APIs")
	fs.StringVar(groups, "groups", "100", "sizes of the Registry's device groups, comma-separated")
	fs.Float64Var(&o.Unaffected, "director-unaffected", 0.1, "share of devices the Director does not affect")
	fs.Float64Var(&o.FailureRate, "director-failure-rate", 0, "share of Director calls answered 503")
	fs.IntVar(&o.OutageAfter, "director-outage-after", 0, "Director calls answered before an outage")
	fs.DurationVar(&o.OutageFor, "director-outage-for", 0, "how long the Director answers 503 after -director-outage-after calls (0: no outage)")
	o.Results = defaultResults()
	fs.Var(&o.Results, "director-results", "outcome shares of updated devices: success, a failure code, or none (no code)")
	fs.DurationVar(&o.Latency, "director-latency", 50*time.Millisecond, "mean time an installation takes")
	fs.StringVar(&o.Kafka, "kafka", "", "Kafka host:port the Director's update reports go to")
	fs.StringVar(&o.Record, "director-record", "", "file the Director records each device's answer and report in, as JSON lines")
}

// validateRoles checks the roles and what each needs.
func validateRoles(roles []string, o otaConfig, groups string) (otaConfig, error) {
	var problems []error
	for _, r := range roles {
		if !slices.Contains([]string{roleConnector, roleRegistry, roleDirector}, r) {
			problems = append(problems, fmt.Errorf("-roles: unknown role %q (connector, registry, director)", r))
		}
	}
	for part := range strings.SplitSeq(groups, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil || n < 0 || n > 1<<24 {
			problems = append(problems, fmt.Errorf("-groups %q: want sizes from 0 to %d", groups, 1<<24))
			break
		}
		o.Groups = append(o.Groups, n)
	}
	if len(o.Groups) > 1<<16 {
		problems = append(problems, fmt.Errorf("-groups: %d groups, at most %d", len(o.Groups), 1<<16))
	}
	share := func(v float64) bool { return v >= 0 && v <= 1 }
	if !share(o.Unaffected) || !share(o.FailureRate) {
		problems = append(problems, errors.New("-director-unaffected and -director-failure-rate are shares from 0 to 1"))
	}
	if o.OutageAfter < 0 || o.OutageFor < 0 || o.Latency < 0 {
		problems = append(problems, errors.New("-director-outage-after, -director-outage-for and -director-latency must not be negative"))
	}
	if slices.Contains(roles, roleDirector) && o.Kafka == "" {
		problems = append(problems, errors.New("-kafka is required with the director role: its update reports go there"))
	}
	return o, errors.Join(problems...)
}
