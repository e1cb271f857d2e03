package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
	"github.com/devchain/devchain/rpcclient"
	"github.com/devchain/devchain/wallet"
)

// devnetState is what `node devnet` keeps in DIR/devnet.json so that a
// second run resumes the same chain on the same ports.
type devnetState struct {
	Nodes         []devnetNode `json:"nodes"`
	MinerAddress  string       `json:"miner_address"`
	FriendAddress string       `json:"friend_address"`
}

type devnetNode struct {
	Name    string `json:"name"`
	P2PPort int    `json:"p2p_port"`
	RPCPort int    `json:"rpc_port"`
	// MetricsPort serves the node's Prometheus metrics (added to the
	// devnet.json of older devnets when resumed).
	MetricsPort int `json:"metrics_port,omitempty"`
}

// Devnet files in DIR.
const (
	devnetStateFile = "devnet.json"
	devnetWallet    = "wallet.json"
	devnetFriend    = "friend.json"
	devnetPrefix    = "dev"
	// devnetFunds is what the genesis allocates to the devnet wallet.
	devnetFunds = 1000 * chain.UnitsPerCoin
)

// devnetGenesis is the devnet's chain: 5 s blocks, a retarget every 20
// blocks starting from the easiest target, coinbase maturity 10.
func devnetGenesis(fundAddress string, now time.Time) *chain.Genesis {
	return &chain.Genesis{
		ChainID:                "devnet",
		AddressPrefix:          devnetPrefix,
		Timestamp:              uint32(now.Unix()),
		Bits:                   0x207fffff,
		PowLimitBits:           0x207fffff,
		TargetSpacingSeconds:   5,
		RetargetIntervalBlocks: 20,
		MaxAdjustFactor:        4,
		InitialSubsidy:         50 * chain.UnitsPerCoin,
		HalvingIntervalBlocks:  150,
		CoinbaseMaturity:       10,
		MaxBlockBytes:          1_000_000,
		MaxFutureBlockSeconds:  7200,
		Alloc:                  []chain.Alloc{{Address: fundAddress, Amount: devnetFunds}},
	}
}

func runDevnet(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("node devnet", flag.ContinueOnError)
	fs.SetOutput(stderr)
	nodes := fs.Int("nodes", 3, "number of nodes")
	dir := fs.String("dir", "./devnet", "devnet directory (created, or resumed when it exists)")
	miners := fs.Int("miners", 1, "how many of the nodes mine")
	threads := fs.Int("mine-threads", 1, "mining goroutines per mining node")
	explorerPage := addDevnetExplorerFlag(fs) // the web page: devnet_explorer.go
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *nodes < 1 || *miners < 0 || *miners > *nodes {
		fmt.Fprintln(stderr, "node devnet: want --nodes >= 1 and 0 <= --miners <= --nodes")
		return 2
	}
	d := &devnet{dir: *dir, stdout: stdout, stderr: stderr, threads: *threads}
	// Closing the terminal (SIGHUP) stops the devnet as Ctrl-C does; a
	// devnet killed outright takes its nodes along (devnet_cleanup.go).
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(signals)
	if err := os.MkdirAll(d.dir, 0o755); err != nil {
		fmt.Fprintf(stderr, "node devnet: %v\n", err)
		return 1
	}
	unlock, err := lockDevnet(d.dir)
	if err != nil {
		fmt.Fprintf(stderr, "node devnet: %v\n", err)
		return 1
	}
	defer unlock()
	if err := d.prepare(*nodes); err != nil {
		fmt.Fprintf(stderr, "node devnet: %v\n", err)
		return 1
	}
	if err := d.start(*miners); err != nil {
		fmt.Fprintf(stderr, "node devnet: %v\n", err)
		d.stop()
		return 1
	}
	d.printTable()
	defer explorerPage.start(d)()
	d.watch(signals)
	d.stop()
	return 0
}

// devnet runs the nodes of a devnet as child `node run` processes.
type devnet struct {
	dir     string
	stdout  io.Writer
	stderr  io.Writer
	threads int
	state   devnetState
	procs   []*exec.Cmd
	exited  []chan struct{}
	clients []*rpcclient.Client
	addrs   []string
}

func (d *devnet) path(name string) string { return filepath.Join(d.dir, name) }

// prepare creates the devnet (wallets, genesis, ports) on the first run and
// loads it on later ones, adding nodes when more are asked for.
func (d *devnet) prepare(nodes int) error {
	data, err := os.ReadFile(d.path(devnetStateFile))
	switch {
	case err == nil:
		if err := json.Unmarshal(data, &d.state); err != nil {
			return fmt.Errorf("%s: %w", d.path(devnetStateFile), err)
		}
		fmt.Fprintf(d.stdout, "resuming the devnet in %s\n", d.dir)
	case errors.Is(err, os.ErrNotExist):
		if err := d.create(); err != nil {
			return err
		}
	default:
		return err
	}
	for len(d.state.Nodes) < nodes {
		p2pPort, err := freePort()
		if err != nil {
			return err
		}
		rpcPort, err := freePort()
		if err != nil {
			return err
		}
		d.state.Nodes = append(d.state.Nodes, devnetNode{Name: fmt.Sprintf("node%d", len(d.state.Nodes)+1), P2PPort: p2pPort, RPCPort: rpcPort})
	}
	for i := range d.state.Nodes {
		if d.state.Nodes[i].MetricsPort == 0 {
			if d.state.Nodes[i].MetricsPort, err = freePort(); err != nil {
				return err
			}
		}
	}
	d.state.Nodes = d.state.Nodes[:max(nodes, 1)]
	return d.saveState()
}

// saveState writes the devnet's state (wallet addresses, ports).
func (d *devnet) saveState() error {
	out, _ := json.MarshalIndent(d.state, "", "  ")
	return os.WriteFile(d.path(devnetStateFile), out, 0o644)
}

// create writes the devnet wallet (funded by the genesis, paid by the
// miners), a second "friend" wallet to send to, and the genesis.
func (d *devnet) create() error {
	if err := os.MkdirAll(d.dir, 0o755); err != nil {
		return err
	}
	w, fund, err := wallet.Create(d.path(devnetWallet), devnetPrefix, nil)
	if err != nil {
		return err
	}
	minerAddr, err := w.NewAddress()
	if err != nil {
		return err
	}
	_, friend, err := wallet.Create(d.path(devnetFriend), devnetPrefix, nil)
	if err != nil {
		return err
	}
	g := devnetGenesis(fund, time.Now())
	if _, err := consensus.NewParams(g); err != nil {
		return err
	}
	data, err := json.MarshalIndent(g, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(d.path("genesis.json"), append(data, '\n'), 0o644); err != nil {
		return err
	}
	d.state.MinerAddress, d.state.FriendAddress = minerAddr, friend
	fmt.Fprintf(d.stdout, "created a devnet in %s: genesis funds %s with %s coins\n", d.dir, fund, chain.FormatAmount(devnetFunds))
	return nil
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// start launches every node, each dialling all nodes before it, and waits
// for their RPC.
func (d *devnet) start(miners int) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	for i := range d.state.Nodes {
		for attempt := 1; ; attempt++ {
			err := d.startNode(self, i, i < miners)
			if err == nil {
				break
			}
			// A port chosen free can be taken before the node binds it (by
			// any process's outgoing connection, say): the node gets new
			// ports, saved for the next runs, and is started again.
			if !errors.Is(err, errPortTaken) || attempt == maxPortAttempts {
				return err
			}
			fmt.Fprintf(d.stdout, "%s: %v; trying other ports\n", d.state.Nodes[i].Name, err)
			if err := d.newPorts(i); err != nil {
				return err
			}
		}
	}
	return nil
}

// maxPortAttempts bounds how often a node is started again on new ports.
const maxPortAttempts = 3

// errPortTaken marks a node that exited at start because one of its ports
// was in use.
var errPortTaken = errors.New("a port of the node is in use")

// startNode launches node i and waits for its RPC.
func (d *devnet) startNode(self string, i int, mine bool) error {
	nd := d.state.Nodes[i]
	datadir := d.path(nd.Name)
	if err := os.MkdirAll(datadir, 0o700); err != nil {
		return err
	}
	if err := d.stopLeftover(nd.Name, datadir); err != nil {
		return err
	}
	args := []string{"run", "--datadir", datadir, "--genesis", d.path("genesis.json"),
		"--listen", fmt.Sprintf("/ip4/127.0.0.1/tcp/%d", nd.P2PPort),
		"--rpc", fmt.Sprintf("127.0.0.1:%d", nd.RPCPort), "--mdns=false",
		"--metrics", fmt.Sprintf("127.0.0.1:%d", nd.MetricsPort)}
	for _, a := range d.addrs {
		args = append(args, "--peer", a)
	}
	if mine {
		args = append(args, "--mine", "--miner-address", d.state.MinerAddress, "--mine-threads", fmt.Sprint(d.threads))
	}
	logPath := filepath.Join(datadir, "node.log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	os.Remove(filepath.Join(datadir, rpcclient.URLFile))
	cmd := exec.Command(self, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = childProcAttr() // Ctrl-C reaches the devnet, which stops the nodes; its death stops them too
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%d", parentPIDEnv, os.Getpid()))
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return err
	}
	done := make(chan struct{})
	go func() {
		cmd.Wait()
		logFile.Close()
		close(done)
	}()
	client, addr, err := waitRPC(datadir, done)
	if err != nil {
		why := startFailure(logPath)
		select {
		case <-done: // exited: nothing left to stop
		default:
			d.procs = append(d.procs, cmd)
			d.exited = append(d.exited, done)
		}
		if strings.Contains(why, "address already in use") {
			return fmt.Errorf("%w: %s", errPortTaken, why)
		}
		if why != "" {
			return fmt.Errorf("%s: %w: %s (see %s)", nd.Name, err, why, logPath)
		}
		return fmt.Errorf("%s: %w (see %s)", nd.Name, err, logPath)
	}
	d.procs = append(d.procs, cmd)
	d.exited = append(d.exited, done)
	d.clients = append(d.clients, client)
	d.addrs = append(d.addrs, addr)
	return nil
}

// newPorts gives node i fresh ports and saves them.
func (d *devnet) newPorts(i int) error {
	nd := &d.state.Nodes[i]
	for _, port := range []*int{&nd.P2PPort, &nd.RPCPort, &nd.MetricsPort} {
		p, err := freePort()
		if err != nil {
			return err
		}
		*port = p
	}
	return d.saveState()
}

// waitRPC waits for a node's RPC and returns a client and its peer address.
func waitRPC(datadir string, exited chan struct{}) (*rpcclient.Client, string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c, id, err := rpcclient.AwaitNode(ctx, datadir, exited)
	if errors.Is(err, rpcclient.ErrNodeExited) {
		return nil, "", errors.New("node exited at start")
	}
	if err != nil {
		return nil, "", err
	}
	return c, id.P2PAddresses[0], nil
}

// printTable prints the nodes and the commands to try.
func (d *devnet) printTable() {
	tw := tabwriter.NewWriter(d.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NODE\tRPC URL\tPEER ADDRESS\tDATADIR")
	for i, nd := range d.state.Nodes {
		fmt.Fprintf(tw, "%s\thttp://127.0.0.1:%d/\t%s\t%s\n", nd.Name, nd.RPCPort, d.addrs[i], d.path(nd.Name))
	}
	tw.Flush()
	d.printMetrics()
	w := d.path(devnetWallet)
	friend := d.path(devnetFriend)
	node1 := d.path(d.state.Nodes[0].Name)
	last := d.path(d.state.Nodes[len(d.state.Nodes)-1].Name)
	fmt.Fprintf(d.stdout, `
The devnet wallet %s (unencrypted) holds the genesis funds and the mining rewards.
Try, in another terminal:

  go run ./cmd/wallet --wallet %s --datadir %s balance
  go run ./cmd/wallet --wallet %s --datadir %s send --to %s --amount 10
  go run ./cmd/wallet --wallet %s --datadir %s balance
  go run ./cmd/node rpc --datadir %s getblockchaininfo

Blocks come every ~5 s once the difficulty has adjusted. Ctrl-C stops every node; run the same command again to resume.
`, w, w, node1, w, node1, d.state.FriendAddress, friend, last, node1)
}

// watch prints each new tip with how many nodes have it, until a signal
// arrives or a node exits.
func (d *devnet) watch(signals <-chan os.Signal) {
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	last := ""
	for {
		select {
		case sig := <-signals:
			fmt.Fprintf(d.stdout, "\n%s: stopping the devnet\n", sig)
			return
		case <-tick.C:
		}
		for i, done := range d.exited {
			select {
			case <-done:
				fmt.Fprintf(d.stderr, "node devnet: %s exited (see %s); stopping\n", d.state.Nodes[i].Name, filepath.Join(d.path(d.state.Nodes[i].Name), "node.log"))
				return
			default:
			}
		}
		tips := make([]string, len(d.clients))
		height := 0
		for i, c := range d.clients {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			var info struct {
				Blocks        int    `json:"blocks"`
				BestBlockHash string `json:"bestblockhash"`
			}
			if c.Call(ctx, "getblockchaininfo", nil, &info) == nil {
				tips[i] = info.BestBlockHash
				if i == 0 {
					height = info.Blocks
				}
			}
			cancel()
		}
		if tips[0] == "" || tips[0] == last {
			continue
		}
		last = tips[0]
		agree := 0
		for _, t := range tips {
			if t == tips[0] {
				agree++
			}
		}
		fmt.Fprintf(d.stdout, "%s height %d %s on %d/%d nodes\n", time.Now().Format("15:04:05"), height, shorten(tips[0]), agree, len(tips))
	}
}

func shorten(hash string) string {
	if len(hash) < 16 {
		return hash
	}
	return hash[:16] + "…"
}

// stop asks every node to shut down cleanly (SIGTERM), killing those that
// do not within the deadline.
func (d *devnet) stop() {
	for _, p := range d.procs {
		if p.Process != nil {
			p.Process.Signal(syscall.SIGTERM)
		}
	}
	deadline := time.After(20 * time.Second)
	for i, done := range d.exited {
		select {
		case <-done:
		case <-deadline:
			d.procs[i].Process.Kill()
			<-done
		}
	}
	fmt.Fprintln(d.stdout, "devnet stopped")
}
