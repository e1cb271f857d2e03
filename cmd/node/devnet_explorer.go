package main

import (
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/devchain/devchain/explorer"
	"github.com/devchain/devchain/wallet"
)

// Explorer files in the devnet directory.
const (
	// devnetExplorerURL holds the page's address, so that a resumed devnet
	// serves it on the same port and scripts can find it.
	devnetExplorerURL = "explorer.url"
	devnetExplorerLog = "explorer.log"
)

// explorerAddr is the --explorer flag: a loopback HOST:PORT, or "off".
type explorerAddr struct{ value string }

func (a *explorerAddr) String() string { return a.value }

func (a *explorerAddr) Set(s string) error {
	if s != "off" {
		if err := explorer.CheckLoopback(s); err != nil {
			return err
		}
	}
	a.value = s
	return nil
}

// devnetExplorer serves the devnet's web page (package explorer).
type devnetExplorer struct {
	addr explorerAddr
}

// addDevnetExplorerFlag registers --explorer on the devnet's flags.
func addDevnetExplorerFlag(fs *flag.FlagSet) *devnetExplorer {
	e := &devnetExplorer{}
	fs.Var(&e.addr, "explorer", "the web page's loopback `HOST:PORT` (default: the last run's port, else a free one; off: no page)")
	return e
}

// start serves the page for the running devnet and prints its address
// under the node table. It returns the function that stops it. A page that
// cannot start is reported and the devnet runs on without it.
func (e *devnetExplorer) start(d *devnet) (stop func()) {
	if e.addr.value == "off" {
		return func() {}
	}
	logFile, err := os.OpenFile(d.path(devnetExplorerLog), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		fmt.Fprintf(d.stderr, "node devnet: explorer: %v\n", err)
		return func() {}
	}
	cfg := explorer.Config{
		WalletPath:    d.path(devnetWallet),
		FriendAddress: d.state.FriendAddress,
		MinerAddress:  d.state.MinerAddress,
		Log:           slog.New(slog.NewTextHandler(logFile, nil)),
	}
	miners, err := playgroundMiners(d.path(devnetWallet), len(d.state.Nodes))
	if err != nil {
		fmt.Fprintf(d.stderr, "node devnet: explorer: %v (the playground mines to the devnet miner address)\n", err)
	}
	for i, nd := range d.state.Nodes {
		n := explorer.NodeConfig{Name: nd.Name, Client: d.clients[i], P2PAddr: d.addrs[i]}
		if i < len(miners) {
			n.MinerAddress = miners[i]
		}
		cfg.Nodes = append(cfg.Nodes, n)
	}
	srv, err := e.listen(d, cfg)
	if err != nil {
		logFile.Close()
		fmt.Fprintf(d.stderr, "node devnet: %v\n", err)
		return func() {}
	}
	os.WriteFile(d.path(devnetExplorerURL), []byte(srv.URL()+"\n"), 0o644)
	fmt.Fprintf(d.stdout, "\nexplorer: %s\n", srv.URL())
	return func() {
		srv.Close()
		logFile.Close()
	}
}

// playgroundMiners returns an address of the devnet wallet for each node's
// playground mining, deriving the ones missing: node1 gets the devnet miner
// address (the wallet's second receiving address), node N the (N+1)th. Two
// nodes mining to one address on one parent in the same second would build
// the same block, and a partition made from the page would show no fork.
func playgroundMiners(walletPath string, nodes int) ([]string, error) {
	w, err := wallet.Open(walletPath, nil)
	if err != nil {
		return nil, err
	}
	var receiving []string
	for _, a := range w.AddressInfos() {
		if !a.Change {
			receiving = append(receiving, a.Address)
		}
	}
	for len(receiving) < nodes+1 {
		a, err := w.NewAddress()
		if err != nil {
			return nil, err
		}
		receiving = append(receiving, a)
	}
	return receiving[1 : nodes+1], nil
}

// listen starts the explorer on --explorer, else on the last run's address
// when it is still free, else on a free port.
func (e *devnetExplorer) listen(d *devnet, cfg explorer.Config) (*explorer.Server, error) {
	if e.addr.value != "" {
		cfg.Addr = e.addr.value
		return explorer.Start(cfg)
	}
	if data, err := os.ReadFile(d.path(devnetExplorerURL)); err == nil {
		last := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(string(data)), "http://"), "/")
		if explorer.CheckLoopback(last) == nil {
			cfg.Addr = last
			if srv, err := explorer.Start(cfg); err == nil {
				return srv, nil
			}
		}
	}
	cfg.Addr = "127.0.0.1:0"
	return explorer.Start(cfg)
}
