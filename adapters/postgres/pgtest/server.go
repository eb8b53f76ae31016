package pgtest

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/updateservice/updateservice/internal/pgcluster"
)

// NewServer starts a PostgreSQL server of the test's own, for tests that
// stop and start it under a running service (the shared server of
// DATABASE_URL must stay up for the other tests). It is removed when the
// test ends; its log is shown if the test failed.
func NewServer(t testing.TB) *pgcluster.Cluster {
	t.Helper()
	// The server's user must reach the folder: not under t.TempDir (0700).
	root, err := os.MkdirTemp("", "pgtest-")
	if err != nil {
		t.Fatal(err)
	}
	_ = os.Chmod(root, 0o755)
	c, err := pgcluster.Start(context.Background(), pgcluster.Options{Dir: filepath.Join(root, "cluster"), Fast: true, Stderr: os.Stderr})
	if err != nil {
		_ = os.RemoveAll(root)
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			raw, _ := os.ReadFile(filepath.Join(root, "cluster", "postgres.log"))
			if len(raw) > 4000 {
				raw = raw[len(raw)-4000:]
			}
			t.Logf("--- postgres.log (tail) ---\n%s", raw)
		}
		_ = c.Stop(true)
		_ = os.RemoveAll(root)
	})
	return c
}
