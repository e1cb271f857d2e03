package lab

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
)

// Sweep runs a config once per value of one parameter, runs in parallel
// (each run is its own Lab, so its bytes do not depend on
// the others), and plots a figure against the parameter.
type Sweep struct {
	Base   []byte // the config's JSON
	Param  string // path in the JSON: "latency_ms", "miners.0.share", ...
	Values []float64
	Seed   *int64
	Jobs   int    // default GOMAXPROCS
	Dir    string // per-run outputs in Dir/<value>/, sweep.svg and sweep.json
	// Gamma, when in [0, 1], draws R(a, Gamma) for a miner share sweep.
	Gamma    float64
	Progress func(done, total int)
}

// SweepPoint is one run's figure.
type SweepPoint struct {
	X   float64 `json:"x"`
	Y   float64 `json:"y"`
	Err float64 `json:"err"` // one standard error of Y from the sample size
}

// FigureName is the figure plotted: a swept miner's revenue share, or the
// stale rate.
func (s *Sweep) FigureName() string {
	if _, ok := s.minerIndex(); ok {
		return "revenue_share"
	}
	return "stale_rate"
}

func (s *Sweep) minerIndex() (int, bool) {
	rest, ok := strings.CutPrefix(s.Param, "miners.")
	if !ok {
		return 0, false
	}
	idx, field, ok := strings.Cut(rest, ".")
	i, err := strconv.Atoi(idx)
	return i, ok && err == nil && field == "share"
}

// configFor returns the base config with the parameter set to v.
func (s *Sweep) configFor(v float64) (*Config, error) {
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader(s.Base))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrConfig, err)
	}
	if mi, ok := s.minerIndex(); ok {
		miners, _ := doc["miners"].([]any)
		if mi >= len(miners) {
			return nil, fmt.Errorf("%w: --param %s: the config has %d miners", ErrConfig, s.Param, len(miners))
		}
		// The others keep their proportions and share 1 - v.
		rest := 0.0
		for i, m := range miners {
			if i != mi {
				f, _ := m.(map[string]any)["share"].(json.Number).Float64()
				rest += f
			}
		}
		for i, m := range miners {
			mm := m.(map[string]any)
			if i == mi {
				mm["share"] = v
			} else if rest > 0 {
				f, _ := mm["share"].(json.Number).Float64()
				mm["share"] = f / rest * (1 - v)
			}
		}
	} else if err := setPath(doc, strings.Split(s.Param, "."), v); err != nil {
		return nil, fmt.Errorf("%w: --param %s: %v", ErrConfig, s.Param, err)
	}
	data, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	c, err := ParseConfig(data)
	if err != nil {
		return nil, err
	}
	if s.Seed != nil {
		c.Seed = s.Seed
	}
	return c, nil
}

func setPath(doc any, path []string, v float64) error {
	for i, key := range path {
		last := i == len(path)-1
		switch d := doc.(type) {
		case map[string]any:
			if last {
				d[key] = v
				return nil
			}
			if d[key] == nil {
				d[key] = map[string]any{}
			}
			doc = d[key]
		case []any:
			k, err := strconv.Atoi(key)
			if err != nil || k < 0 || k >= len(d) {
				return fmt.Errorf("no element %q", key)
			}
			if last {
				d[k] = v
				return nil
			}
			doc = d[k]
		default:
			return fmt.Errorf("%q is not an object or a list", strings.Join(path[:i], "."))
		}
	}
	return nil
}

// Run runs the sweep and writes its outputs.
func (s *Sweep) Run() ([]SweepPoint, error) {
	cfgs := make([]*Config, len(s.Values))
	for i, v := range s.Values {
		c, err := s.configFor(v)
		if err != nil {
			return nil, err
		}
		cfgs[i] = c
	}
	jobs := s.Jobs
	if jobs <= 0 {
		jobs = runtime.GOMAXPROCS(0)
	}
	results := make([]*Result, len(cfgs))
	errs := make([]error, len(cfgs))
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	sem := make(chan struct{}, jobs)
	for i := range cfgs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			dir := filepath.Join(s.Dir, strconv.FormatFloat(s.Values[i], 'g', -1, 64))
			results[i], errs[i] = RunToDir(cfgs[i], dir, Options{})
			mu.Lock()
			done++
			if s.Progress != nil {
				s.Progress(done, len(cfgs))
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("lab: sweep value %g: %w", s.Values[i], err)
		}
	}
	points := make([]SweepPoint, len(results))
	for i, r := range results {
		points[i] = s.figure(s.Values[i], cfgs[i], r)
	}
	if err := s.write(points, cfgs[0]); err != nil {
		return nil, err
	}
	return points, nil
}

// figure reads the swept figure and its binomial standard error.
func (s *Sweep) figure(x float64, c *Config, r *Result) SweepPoint {
	if mi, ok := s.minerIndex(); ok {
		m := r.Summary.Miners[mi]
		n := float64(max(r.Summary.MainChainBlocks, 1))
		return SweepPoint{X: x, Y: m.RevenueShare, Err: binomialSE(m.RevenueShare, n)}
	}
	n := float64(max(r.Summary.BlocksMined, 1))
	return SweepPoint{X: x, Y: r.Summary.StaleRate, Err: binomialSE(r.Summary.StaleRate, n)}
}

func (s *Sweep) write(points []SweepPoint, c *Config) error {
	if err := os.MkdirAll(s.Dir, 0o755); err != nil {
		return fmt.Errorf("lab: sweep dir: %w", err)
	}
	pl := Plot{Title: fmt.Sprintf("%s against %s", s.FigureName(), s.Param), XLabel: s.Param, YLabel: s.FigureName()}
	for _, p := range points {
		pl.Points = append(pl.Points, PlotPoint{X: p.X, Y: p.Y, Err: 2 * p.Err})
	}
	switch {
	case s.FigureName() == "revenue_share":
		pl.Diagonal = true
		if s.Gamma >= 0 && s.Gamma <= 1 {
			g := s.Gamma
			pl.Curve = func(a float64) float64 { return SelfishRevenue(a, g) }
			pl.CurveLabel = fmt.Sprintf("Eyal-Sirer R(a, gamma=%g); dashed: honest share", g)
		}
	case s.Param == "latency_ms":
		t, n := c.BlockIntervalS, len(c.Miners)
		pl.Curve = func(d float64) float64 { return StaleRate(d/1000, t, n) }
		pl.CurveLabel = "(n-1)/n (1 - e^(-d/T))"
	}
	var buf bytes.Buffer
	if err := pl.WriteSVG(&buf); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(s.Dir, "sweep.svg"), buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("lab: sweep plot: %w", err)
	}
	data, _ := json.MarshalIndent(map[string]any{"param": s.Param, "figure": s.FigureName(), "points": points}, "", "  ")
	return os.WriteFile(filepath.Join(s.Dir, "sweep.json"), append(data, '\n'), 0o644)
}
