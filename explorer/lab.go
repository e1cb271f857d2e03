package explorer

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
)

// LabEvent is a line of a lab run's trace.jsonl that the replay draws (see
// the lab's trace format): mined, tip, reorg, partition, heal, join, leave,
// published. Other events (sent, received, ...) are skipped.
type LabEvent struct {
	TUS      int64   `json:"t_us"`
	Event    string  `json:"event"`
	Node     *int    `json:"node,omitempty"`
	Hash     string  `json:"hash,omitempty"`
	Parent   string  `json:"parent,omitempty"`
	Height   *int64  `json:"height,omitempty"`
	Strategy string  `json:"strategy,omitempty"`
	Depth    int64   `json:"depth,omitempty"`
	From     string  `json:"from,omitempty"`
	To       string  `json:"to,omitempty"`
	Groups   [][]int `json:"groups,omitempty"`
}

// LabRun is a lab output directory as the replay needs it.
type LabRun struct {
	Dir     string          `json:"dir"`
	Summary json.RawMessage `json:"summary"`
	Nodes   int             `json:"nodes"`
	Events  []LabEvent      `json:"events"`
	// Skipped counts trace lines of other kinds.
	Skipped int `json:"skipped"`
}

// Bounds of a trace the explorer reads.
const (
	maxLabLine   = 1 << 20
	maxLabEvents = 500_000
)

// replayed are the trace events the replay draws.
var replayed = map[string]bool{
	"mined": true, "tip": true, "reorg": true, "partition": true, "heal": true,
	"join": true, "leave": true, "published": true,
}

// LoadLab reads DIR/summary.json and DIR/trace.jsonl. A bad line is an
// error naming the file and line.
func LoadLab(dir string) (*LabRun, error) {
	run := &LabRun{Dir: dir}
	summary, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		return nil, fmt.Errorf("explorer: lab run: %w", err)
	}
	var s struct {
		Nodes *int `json:"nodes"`
	}
	if err := json.Unmarshal(summary, &s); err != nil {
		return nil, fmt.Errorf("explorer: lab run: %s: %w", filepath.Join(dir, "summary.json"), err)
	}
	run.Summary = summary
	if s.Nodes != nil {
		run.Nodes = *s.Nodes
	}
	tracePath := filepath.Join(dir, "trace.jsonl")
	f, err := os.Open(tracePath)
	if err != nil {
		return nil, fmt.Errorf("explorer: lab run: %w", err)
	}
	defer f.Close()
	if err := run.readTrace(f, tracePath); err != nil {
		return nil, err
	}
	return run, nil
}

// readTrace reads the replayed events of a trace.jsonl (named path in
// errors) into run.
func (run *LabRun) readTrace(r io.Reader, tracePath string) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxLabLine)
	line := 0
	var last int64
	for sc.Scan() {
		line++
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		var head struct {
			TUS   int64  `json:"t_us"`
			Event string `json:"event"`
		}
		if err := json.Unmarshal(text, &head); err != nil {
			return fmt.Errorf("explorer: %s:%d: %w", tracePath, line, err)
		}
		ev := LabEvent{TUS: head.TUS, Event: head.Event}
		if ev.TUS < last {
			return fmt.Errorf("explorer: %s:%d: t_us %d goes back in time (after %d)", tracePath, line, ev.TUS, last)
		}
		last = ev.TUS
		if !replayed[ev.Event] {
			run.Skipped++ // other events may use the same field names for other things ("to": a node)
			continue
		}
		if err := json.Unmarshal(text, &ev); err != nil {
			return fmt.Errorf("explorer: %s:%d: %s: %w", tracePath, line, ev.Event, err)
		}
		if err := checkLabEvent(ev); err != nil {
			return fmt.Errorf("explorer: %s:%d: %w", tracePath, line, err)
		}
		if len(run.Events) == maxLabEvents {
			return fmt.Errorf("explorer: %s: more than %d events to replay", tracePath, maxLabEvents)
		}
		run.Events = append(run.Events, ev)
		if ev.Node != nil && *ev.Node >= run.Nodes {
			run.Nodes = *ev.Node + 1
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("explorer: %s: %w", tracePath, err)
	}
	return nil
}

// checkLabEvent refuses an event the replay cannot draw.
func checkLabEvent(ev LabEvent) error {
	needNode := ev.Event != "partition" && ev.Event != "heal"
	if needNode && (ev.Node == nil || *ev.Node < 0) {
		return fmt.Errorf("%s event without a node", ev.Event)
	}
	switch ev.Event {
	case "mined":
		if ev.Hash == "" || ev.Height == nil {
			return errors.New("mined event without hash or height")
		}
	case "tip", "published":
		if ev.Hash == "" {
			return fmt.Errorf("%s event without a hash", ev.Event)
		}
	}
	return nil
}

func (s *Server) serveLab(w http.ResponseWriter, r *http.Request) {
	dir := r.URL.Query().Get("dir")
	if dir == "" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "explorer: which lab output directory?"})
		return
	}
	run, err := LoadLab(dir)
	if err != nil {
		writeJSON(w, http.StatusOK, map[string]string{"error": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, run)
}
