package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/devchain/devchain/consensus"
	"github.com/devchain/devchain/consensus/store"
	"github.com/devchain/devchain/node"
)

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

// genesisFile is the copy of genesis.json a datadir keeps, so that a
// restart without --genesis runs the same chain.
const genesisFile = "genesis.json"

func runNode(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("node run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	datadir := fs.String("datadir", "", "data directory (required)")
	genesis := fs.String("genesis", "", "genesis.json (default: the datadir's copy, else ./genesis.json)")
	var listen, peers stringList
	fs.Var(&listen, "listen", "libp2p listen multiaddr (repeatable; default /ip4/127.0.0.1/tcp/0)")
	rpcAddr := fs.String("rpc", "127.0.0.1:0", "JSON-RPC HOST:PORT (port 0: a free port, written to DATADIR/rpc.url)")
	rpcRemote := fs.Bool("rpc-allow-remote", false, "allow a non-loopback --rpc or --metrics address (cookie auth stays on for RPC)")
	metricsAddr := fs.String("metrics", "", "serve Prometheus metrics at http://HOST:PORT/metrics (loopback unless --rpc-allow-remote)")
	fs.Var(&peers, "peer", "bootstrap peer multiaddr ending in /p2p/<id> (repeatable)")
	mdns := fs.Bool("mdns", true, "discover peers on the local network")
	mine := fs.Bool("mine", false, "mine blocks")
	minerAddr := fs.String("miner-address", "", "address the coinbase pays")
	threads := fs.Int("mine-threads", 1, "mining goroutines")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	txIndex := fs.Bool("txindex", true, "keep the transaction index (getrawtransaction of confirmed transactions)")
	addrIndex := fs.Bool("addrindex", true, "keep the address history (getaddresshistory, the wallet's history)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "node run: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if *datadir == "" {
		fmt.Fprintln(stderr, "node run: --datadir is required")
		return 2
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fmt.Fprintf(stderr, "node run: --log-level %q: want debug, info, warn or error\n", *logLevel)
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	params, keepGenesis, err := loadGenesis(*datadir, *genesis)
	if err != nil {
		fmt.Fprintf(stderr, "node run: %v\n", err)
		return 1
	}
	// Signals are caught before the store opens: one that arrives while the
	// node starts stops it cleanly once started, rather than killing it with
	// its store open. SIGHUP (the terminal closed) stops it too.
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(signals)
	n, err := node.New(node.Config{
		DataDir:        *datadir,
		Params:         params,
		Listen:         listen,
		RPCAddr:        *rpcAddr,
		RPCAllowRemote: *rpcRemote,
		MetricsAddr:    *metricsAddr,
		Peers:          peers,
		MDNS:           *mdns,
		Mine:           *mine,
		MinerAddress:   *minerAddr,
		MineThreads:    *threads,
		NoTxIndex:      !*txIndex,
		NoAddrIndex:    !*addrIndex,
		Logger:         log,
	})
	if err != nil {
		fmt.Fprintf(stderr, "node run: %v\n", err)
		if errors.Is(err, store.ErrCorrupt) {
			fmt.Fprintf(stderr, "node run: the chain store %s is damaged: restore it from a backup, or move it away and the node syncs the chain again from its peers\n",
				filepath.Join(*datadir, "chain"))
		}
		return 1
	}
	if err := keepGenesis(); err != nil {
		n.Close()
		fmt.Fprintf(stderr, "node run: %v\n", err)
		return 1
	}
	stopWatch := make(chan struct{})
	defer close(stopWatch)
	select {
	case sig := <-signals:
		log.Info("shutdown", "signal", sig.String())
	case <-n.Done():
		log.Info("shutdown", "reason", "stop requested")
	case <-watchParent(stopWatch): // parent.go: a devnet node outlives no devnet
		log.Info("shutdown", "reason", "parent exited")
	}
	cerr := n.Close()
	if err := n.Err(); err != nil {
		fmt.Fprintf(stderr, "node run: %v\n", err)
		return 1
	}
	if cerr != nil {
		fmt.Fprintf(stderr, "node run: close: %v\n", cerr)
		return 1
	}
	return 0
}

// loadGenesis reads the chain parameters: from --genesis when given, else
// from the datadir's copy, else from ./genesis.json. A datadir whose copy
// differs from --genesis is refused here, before its store is opened.
//
// The copy is not written here: keep writes it, and runNode calls keep
// only once the node started, so a start refused for any reason (a store
// of another chain when the copy was deleted, a damaged store) writes
// nothing, and the right genesis is not refused ever after.
func loadGenesis(datadir, path string) (params *consensus.Params, keep func() error, err error) {
	nothing := func() error { return nil }
	kept := filepath.Join(datadir, genesisFile)
	if path == "" {
		if _, err := os.Stat(kept); err == nil {
			path = kept
		} else {
			path = genesisFile
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("genesis: %w", err)
	}
	params, err = consensus.LoadParams(path)
	if err != nil {
		return nil, nil, err
	}
	if path == kept {
		return params, nothing, nil
	}
	if _, err := os.Stat(kept); err == nil {
		oldParams, err := consensus.LoadParams(kept)
		if err != nil {
			return nil, nil, err
		}
		if oldParams.GenesisHash != params.GenesisHash {
			return nil, nil, fmt.Errorf("%w: %s was created for genesis %s (see %s), %s gives %s",
				consensus.ErrWrongChain, datadir, oldParams.GenesisHash, kept, path, params.GenesisHash)
		}
		return params, nothing, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, nil, fmt.Errorf("genesis: %w", err)
	}
	keep = func() error {
		if err := os.WriteFile(kept, data, 0o644); err != nil {
			return fmt.Errorf("datadir: keep genesis: %w", err)
		}
		return nil
	}
	return params, keep, nil
}
