package explorer

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The hand-made run in testdata/lab: 4 nodes, a partition {0,1} | {2,3}
// from 4 s to 8 s in which each side mines, and nodes 0 and 1 reorganising
// one block deep onto the other side's longer branch at the heal.
func TestLoadLab(t *testing.T) {
	run, err := LoadLab(filepath.Join("testdata", "lab"))
	if err != nil {
		t.Fatal(err)
	}
	if run.Nodes != 4 || run.Skipped != 1 || len(run.Events) != 30 {
		t.Fatalf("nodes %d, skipped %d, events %d; want 4, 1 (the sent line), 30", run.Nodes, run.Skipped, len(run.Events))
	}
	kinds := map[string]int{}
	for _, ev := range run.Events {
		kinds[ev.Event]++
	}
	if kinds["mined"] != 6 || kinds["reorg"] != 2 || kinds["partition"] != 1 || kinds["heal"] != 1 {
		t.Fatalf("events by kind: %v", kinds)
	}
}

func TestLoadLabRefusesBadTraces(t *testing.T) {
	const summary = `{"nodes": 2}`
	for _, tc := range []struct {
		name, trace, want string
	}{
		{"not json", "{\"t_us\":1,\"event\":\"tip\"\nnope\n", "trace.jsonl:1"},
		{"time goes back", `{"t_us":5,"event":"heal"}` + "\n" + `{"t_us":4,"event":"heal"}`, "trace.jsonl:2: t_us 4 goes back in time"},
		{"mined without hash", `{"t_us":1,"event":"mined","node":0,"height":1}`, "mined event without hash or height"},
		{"tip without node", `{"t_us":1,"event":"tip","hash":"ab"}`, "tip event without a node"},
		{"negative node", `{"t_us":1,"event":"leave","node":-1}`, "leave event without a node"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, "summary.json"), []byte(summary), 0o644)
			os.WriteFile(filepath.Join(dir, "trace.jsonl"), []byte(tc.trace), 0o644)
			_, err := LoadLab(dir)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want one containing %q", err, tc.want)
			}
		})
	}
	if _, err := LoadLab(t.TempDir()); err == nil || !strings.Contains(err.Error(), "summary.json") {
		t.Fatalf("a directory without a run: err %v", err)
	}
}

// FuzzReadTrace feeds arbitrary trace files to the reader: an error or a
// run, never a panic, and every event kept is one the replay can draw.
func FuzzReadTrace(f *testing.F) {
	seed, err := os.ReadFile(filepath.Join("testdata", "lab", "trace.jsonl"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte(`{"t_us":1,"event":"partition","groups":[[0],[1,2]]}` + "\n" + `{"t_us":2,"event":"heal"}`))
	f.Add([]byte(`{"t_us":1,"event":"reorg","node":1,"depth":-3,"from":"","to":7}`))
	f.Add([]byte("\n\n{}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		run := &LabRun{}
		if err := run.readTrace(bytes.NewReader(data), "trace.jsonl"); err != nil {
			return
		}
		for _, ev := range run.Events {
			if err := checkLabEvent(ev); err != nil || !replayed[ev.Event] {
				t.Fatalf("kept an event the replay cannot draw: %+v (%v)", ev, err)
			}
			if ev.Node != nil && *ev.Node >= run.Nodes {
				t.Fatalf("node %d beyond the run's %d nodes", *ev.Node, run.Nodes)
			}
		}
	})
}
