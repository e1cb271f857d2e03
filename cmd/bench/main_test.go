package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

// A saved run is re-printed and re-plotted without measuring anything.
func TestFromJSON(t *testing.T) {
	var out, errOut bytes.Buffer
	svg := filepath.Join(t.TempDir(), "plot.svg")
	if code := run([]string{"--from-json", "../../docs/bench-run.json", "--svg", svg}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	for _, want := range []string{"machine:", "generatetoaddress", "sync"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

// A --node that does not exist is refused before anything starts.
func TestMissingNodeBinary(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run([]string{"--quick", "--node", filepath.Join(t.TempDir(), "no-such-node")}, &out, &errOut)
	if code != 1 || !strings.Contains(errOut.String(), "bench: --node:") {
		t.Fatalf("exit %d, stderr %q", code, errOut.String())
	}
}

// --only names experiments; an unknown one is refused before anything
// starts.
func TestOnlyUnknownExperiment(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run([]string{"--only", "generate,memory", "--node", "/bin/true"}, &out, &errOut)
	if code != 2 || !strings.Contains(errOut.String(), `unknown experiment "memory"`) {
		t.Fatalf("exit %d, stderr %q", code, errOut.String())
	}
}
