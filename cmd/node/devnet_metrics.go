package main

import (
	"fmt"
	"os"
	"strings"
)

// devnetPrometheusFile is a Prometheus configuration that scrapes every
// node of the devnet, written at each start (the ports are the devnet's).
const devnetPrometheusFile = "prometheus.yml"

// metricsURL is a devnet node's metrics address.
func (nd devnetNode) metricsURL() string {
	return fmt.Sprintf("http://127.0.0.1:%d/metrics", nd.MetricsPort)
}

// printMetrics prints each node's metrics URL and writes the scrape
// configuration that docs/grafana-devnet.json's dashboard expects: one
// job, devnet, whose instances are labelled with the node names.
func (d *devnet) printMetrics() {
	fmt.Fprintln(d.stdout, "\nPrometheus metrics:")
	for _, nd := range d.state.Nodes {
		fmt.Fprintf(d.stdout, "  %-6s %s\n", nd.Name, nd.metricsURL())
	}
	var b strings.Builder
	b.WriteString("# Written by node devnet: scrapes every devnet node. Run: prometheus --config.file " + d.path(devnetPrometheusFile) + "\n")
	b.WriteString("# Grafana: import docs/grafana-devnet.json and pick this Prometheus as its data source.\n")
	b.WriteString("global:\n  scrape_interval: 5s\nscrape_configs:\n  - job_name: devnet\n    static_configs:\n")
	for _, nd := range d.state.Nodes {
		fmt.Fprintf(&b, "      - targets: [\"127.0.0.1:%d\"]\n        labels: {node: %s}\n", nd.MetricsPort, nd.Name)
	}
	path := d.path(devnetPrometheusFile)
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		fmt.Fprintf(d.stderr, "node devnet: %v\n", err)
		return
	}
	fmt.Fprintf(d.stdout, "  scrape them all: prometheus --config.file %s (Grafana dashboard: docs/grafana-devnet.json)\n", path)
}
