package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// No Docker engine runs here, so the compose file is checked as data: it
// must give the service every variable the service reads, point them at
// the compose file's own servers, and give every service a health check
// that the service's start waits on.

// composeFile is the part of docker-compose.yml the test reads.
type composeFile struct {
	Services map[string]composeService `yaml:"services"`
}

type composeService struct {
	Image       string    `yaml:"image"`
	Build       yaml.Node `yaml:"build"`
	Environment yaml.Node `yaml:"environment"`
	Healthcheck *struct {
		Test    yaml.Node `yaml:"test"`
		Disable bool      `yaml:"disable"`
	} `yaml:"healthcheck"`
	DependsOn map[string]struct {
		Condition string `yaml:"condition"`
	} `yaml:"depends_on"`
}

// serviceName is the compose service that runs this command.
const serviceName = "updated"

func loadCompose(t *testing.T) composeFile {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var c composeFile
	if err := yaml.Unmarshal(raw, &c); err != nil {
		t.Fatalf("docker-compose.yml does not parse: %v", err)
	}
	if len(c.Services) == 0 {
		t.Fatal("docker-compose.yml has no services")
	}
	return c
}

// environment returns a service's variables, written as a map or as a
// list of NAME=value.
func environment(t *testing.T, s composeService) map[string]string {
	t.Helper()
	env := map[string]string{}
	switch s.Environment.Kind {
	case 0:
	case yaml.MappingNode:
		if err := s.Environment.Decode(&env); err != nil {
			t.Fatalf("environment: %v", err)
		}
	case yaml.SequenceNode:
		var list []string
		if err := s.Environment.Decode(&list); err != nil {
			t.Fatalf("environment: %v", err)
		}
		for _, item := range list {
			name, value, _ := strings.Cut(item, "=")
			env[name] = value
		}
	default:
		t.Fatalf("environment is neither a map nor a list (line %d)", s.Environment.Line)
	}
	return env
}

// variablesRead finds the environment variables the command reads: every
// getenv("NAME") in its sources, and the names config.go hands its parse
// helper, which calls getenv itself.
func variablesRead(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	name := regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`)
	seen := map[string]bool{}
	fset := token.NewFileSet()
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, file, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) == 0 {
				return true
			}
			fn, ok := call.Fun.(*ast.Ident)
			if !ok || (fn.Name != "getenv" && fn.Name != "parse") {
				return true
			}
			if lit, ok := call.Args[0].(*ast.BasicLit); ok && lit.Kind == token.STRING {
				if v, err := strconv.Unquote(lit.Value); err == nil && name.MatchString(v) {
					seen[v] = true
				}
			}
			return true
		})
	}
	names := make([]string, 0, len(seen))
	for v := range seen {
		names = append(names, v)
	}
	slices.Sort(names)
	return names
}

func TestComposeGivesTheServiceEveryVariableItReads(t *testing.T) {
	c := loadCompose(t)
	svc, ok := c.Services[serviceName]
	if !ok {
		t.Fatalf("docker-compose.yml has no %q service", serviceName)
	}
	env := environment(t, svc)
	read := variablesRead(t)
	// The scan itself must work: these are read today.
	for _, must := range []string{"DB_URL", "EVENTSTORE_URL", "KAFKA_HOST", "API_KEYS", "HTTP_ADDR", "CONNECTOR_URL"} {
		if !slices.Contains(read, must) {
			t.Errorf("the scan of the sources did not find %s: fix variablesRead", must)
		}
	}
	for _, v := range read {
		if _, ok := env[v]; !ok {
			t.Errorf("the service reads %s, but docker-compose.yml does not set it for %q", v, serviceName)
		}
	}
	if svc.Build.Kind == 0 {
		t.Errorf("service %q is not built from the repository (no build:)", serviceName)
	}
}

// TestComposeVariablesPointAtItsServers keeps the URLs and the servers
// they name in step.
func TestComposeVariablesPointAtItsServers(t *testing.T) {
	c := loadCompose(t)
	env := environment(t, c.Services[serviceName])
	hostOf := func(name, raw string) string {
		u, err := url.Parse(raw)
		if err != nil || u.Hostname() == "" {
			t.Errorf("%s=%q is not a URL with a host", name, raw)
			return ""
		}
		return u.Hostname()
	}
	checks := []struct{ variable, host string }{
		{"DB_URL", hostOf("DB_URL", env["DB_URL"])},
		{"DATABASE_URL", hostOf("DATABASE_URL", env["DATABASE_URL"])},
		{"EVENTSTORE_URL", hostOf("EVENTSTORE_URL", env["EVENTSTORE_URL"])},
		{"KAFKA_HOST", strings.Split(strings.Split(env["KAFKA_HOST"], ",")[0], ":")[0]},
		{"BLOB_S3_ENDPOINT", strings.Split(env["BLOB_S3_ENDPOINT"], ":")[0]},
	}
	for _, ch := range checks {
		if _, ok := c.Services[ch.host]; !ok {
			t.Errorf("%s names host %q, which is not a service of docker-compose.yml", ch.variable, ch.host)
		} else if cond := c.Services[serviceName].DependsOn[ch.host].Condition; cond != "service_healthy" {
			t.Errorf("%s names %q, but the service does not wait for it to be healthy (depends_on condition %q)", ch.variable, ch.host, cond)
		}
	}
	if u, err := url.Parse(env["EVENTSTORE_URL"]); err == nil && (u.Scheme != "esdb" || u.Query().Get("tls") != "false") {
		t.Errorf("EVENTSTORE_URL=%q: want esdb://…?tls=false for an insecure node", env["EVENTSTORE_URL"])
	}
}

func TestComposeServicesHaveHealthChecks(t *testing.T) {
	c := loadCompose(t)
	for name, svc := range c.Services {
		switch {
		case svc.Healthcheck == nil:
			t.Errorf("service %q has no healthcheck", name)
		case svc.Healthcheck.Disable || svc.Healthcheck.Test.Kind == 0:
			t.Errorf("service %q has no healthcheck test", name)
		default:
			var test []string
			if err := svc.Healthcheck.Test.Decode(&test); err != nil || len(test) < 2 || test[0] == "NONE" {
				t.Errorf("service %q: healthcheck test %v (%v), want a command", name, test, err)
			}
		}
		for dep, d := range svc.DependsOn {
			if _, ok := c.Services[dep]; !ok {
				t.Errorf("service %q depends on %q, which does not exist", name, dep)
			}
			if d.Condition != "service_healthy" {
				t.Errorf("service %q waits for %q with condition %q, want service_healthy", name, dep, d.Condition)
			}
		}
	}
}
