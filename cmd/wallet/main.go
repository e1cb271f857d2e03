// Command wallet is the devchain wallet: an HD wallet file on disk, a node
// reached over JSON-RPC, transactions signed locally. It is a thin shell
// over package wallet; see its documentation for the file format, coin
// selection and the record of pending spends.
//
//	wallet [--wallet FILE] [--datadir DIR | --rpc-url URL --rpc-cookie FILE] [--passphrase-file FILE] COMMAND [ARGS]
//
// Run `wallet help` for the commands. Flags may come before or after the
// command. Errors are one line on stderr prefixed "wallet: ", with exit
// status 1.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/term"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/rpcclient"
	"github.com/devchain/devchain/wallet"
)

const usage = `usage: wallet [--wallet FILE] [--datadir DIR | --rpc-url URL --rpc-cookie FILE] [--passphrase-file FILE] COMMAND [ARGS]

Commands:
  create [--prefix P] [--no-encrypt]
        write a new wallet (fresh HD seed) for the node's chain, or offline
        for address prefix P; print its first address as the last line
  newaddress
        derive the next address, save it and print it
  addresses
        list the wallet's addresses: index, address, "change" for change
  balance
        confirmed, unconfirmed and immature coins per address and in total
  send --to ADDR --amount COINS [--fee-rate UNITS_PER_BYTE] [--wait N]   (or: send ADDR COINS)
        pay COINS (up to 8 decimals) to ADDR at the fee rate (default 2
        units/byte), change to a new address; print the txid as the last line;
        with --wait N, return once the payment has N confirmations, with a
        progress line on stderr at each change (the node's event stream, or
        polling when it has none)
  history
        the wallet's transactions, oldest first, pending last, with the net
        amount for the wallet
  help
        this text

Flags (before or after the command):
  --wallet FILE            wallet file (default $HOME/.devchain/wallet.json)
  --datadir DIR            reach the node running on DIR (its rpc.url and
                           .cookie; default $HOME/.devchain)
  --rpc-url URL            reach the node at URL, with
  --rpc-cookie FILE        its cookie file (or the one in --datadir)
  --passphrase-file FILE   the passphrase is the first line of FILE; without
                           it the wallet asks when stdin is a terminal
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// Standard input, and whether it is a terminal: variables so that tests
// can pretend.
var (
	stdin      = os.Stdin
	isTerminal = func(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }
)

// errUsage marks command-line mistakes.
var errUsage = errors.New("usage")

// options are the parsed flags.
type options struct {
	walletFile, datadir, rpcURL, rpcCookie, passphraseFile string
	prefix                                                 string
	noEncrypt                                              bool
	to, amount, feeRate, wait                              string
	help                                                   bool
}

// globalFlags are accepted by every command; commandFlags by one.
var (
	globalFlags  = []string{"wallet", "datadir", "rpc-url", "rpc-cookie", "passphrase-file", "help", "h"}
	commandFlags = map[string][]string{
		"create":     {"prefix", "no-encrypt"},
		"newaddress": nil,
		"addresses":  nil,
		"balance":    nil,
		"send":       {"to", "amount", "fee-rate", "wait"},
		"history":    nil,
		"help":       nil,
	}
)

// parseArgs parses flags anywhere among the arguments and returns the
// command and its positional arguments.
func parseArgs(args []string) (*options, string, []string, error) {
	o := &options{}
	fs := flag.NewFlagSet("wallet", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&o.walletFile, "wallet", "", "")
	fs.StringVar(&o.datadir, "datadir", "", "")
	fs.StringVar(&o.rpcURL, "rpc-url", "", "")
	fs.StringVar(&o.rpcCookie, "rpc-cookie", "", "")
	fs.StringVar(&o.passphraseFile, "passphrase-file", "", "")
	fs.StringVar(&o.prefix, "prefix", "", "")
	fs.BoolVar(&o.noEncrypt, "no-encrypt", false, "")
	fs.StringVar(&o.to, "to", "", "")
	fs.StringVar(&o.amount, "amount", "", "")
	fs.StringVar(&o.feeRate, "fee-rate", "", "")
	fs.StringVar(&o.wait, "wait", "", "")
	fs.BoolVar(&o.help, "help", false, "")
	fs.BoolVar(&o.help, "h", false, "")

	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, "", nil, fmt.Errorf("%w: %v", errUsage, strings.Replace(err.Error(), "flag provided but not defined", "unknown flag", 1))
		}
		rest := fs.Args()
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			positional = append(positional, rest...) // everything after -- is an argument
			break
		}
		if len(rest) == 0 {
			break
		}
		positional, args = append(positional, rest[0]), rest[1:]
	}
	if o.help {
		return o, "help", nil, nil
	}
	if len(positional) == 0 {
		return nil, "", nil, fmt.Errorf("%w: no command (try: wallet help)", errUsage)
	}
	cmd, cmdArgs := positional[0], positional[1:]
	allowed, ok := commandFlags[cmd]
	if !ok {
		return nil, "", nil, fmt.Errorf("%w: unknown command %q (try: wallet help)", errUsage, cmd)
	}
	var bad string
	fs.Visit(func(f *flag.Flag) {
		if bad == "" && !slices.Contains(globalFlags, f.Name) && !slices.Contains(allowed, f.Name) {
			bad = f.Name
		}
	})
	if bad != "" {
		return nil, "", nil, fmt.Errorf("%w: --%s is not a flag of %s", errUsage, bad, cmd)
	}
	if cmd == "send" {
		// `send ADDR AMOUNT` works too.
		if o.to == "" && len(cmdArgs) > 0 {
			o.to, cmdArgs = cmdArgs[0], cmdArgs[1:]
		}
		if o.amount == "" && len(cmdArgs) > 0 {
			o.amount, cmdArgs = cmdArgs[0], cmdArgs[1:]
		}
	}
	if len(cmdArgs) > 0 {
		return nil, "", nil, fmt.Errorf("%w: unexpected argument %q for %s", errUsage, cmdArgs[0], cmd)
	}
	return o, cmd, cmdArgs, nil
}

// run is the whole command: it returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	o, cmd, _, err := parseArgs(args)
	if err != nil {
		fmt.Fprintf(stderr, "wallet: %s\n", oneLine(err))
		return 1
	}
	if cmd == "help" {
		fmt.Fprint(stdout, usage)
		return 0
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	a := &app{opts: o, stdout: stdout, stderr: stderr}
	lock, err := a.lock(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "wallet: %s\n", oneLine(err))
		return 1
	}
	defer lock.Unlock()
	a.fileLock = lock
	switch cmd {
	case "create":
		err = a.create(ctx)
	case "newaddress":
		err = a.newAddress()
	case "addresses":
		err = a.addresses()
	case "balance":
		err = a.balance(ctx)
	case "send":
		err = a.send(ctx)
	case "history":
		err = a.history(ctx)
	}
	if err != nil {
		fmt.Fprintf(stderr, "wallet: %s\n", oneLine(err))
		return 1
	}
	return 0
}

// oneLine turns an error into the one-line message the user sees.
func oneLine(err error) string {
	s := strings.TrimPrefix(err.Error(), "usage: ")
	if errors.Is(err, rpcclient.ErrUnreachable) {
		// "getblockchaininfo: rpcclient: node unreachable: dial ..." says
		// more than the user needs.
		if i := strings.Index(s, rpcclient.ErrUnreachable.Error()); i >= 0 {
			s = "node unreachable" + strings.TrimPrefix(s[i:], rpcclient.ErrUnreachable.Error())
		}
	}
	s = strings.ReplaceAll(s, "rpcclient: ", "")
	return strings.Join(strings.Fields(s), " ")
}

type app struct {
	opts           *options
	stdout, stderr io.Writer
	fileLock       *wallet.FileLock // held for the command (released early by send --wait)
}

func (a *app) walletPath() (string, error) {
	if a.opts.walletFile != "" {
		return a.opts.walletFile, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("no --wallet FILE and no home directory: %v", err)
	}
	return filepath.Join(home, ".devchain", "wallet.json"), nil
}

// lockWait is how long a command waits for another one using the same
// wallet file to finish.
const lockWait = 30 * time.Second

// lock takes the wallet file's lock for the whole command, so that commands
// on one wallet run one after another (each send spends its own coins), and
// says so when it has to wait.
func (a *app) lock(ctx context.Context) (*wallet.FileLock, error) {
	path, err := a.walletPath()
	if err != nil {
		return nil, err
	}
	return wallet.Lock(ctx, path, lockWait, func(holder int) {
		who := ""
		if holder > 0 {
			who = fmt.Sprintf(" (pid %d)", holder)
		}
		fmt.Fprintf(a.stderr, "wallet: waiting for another wallet command using %s%s\n", path, who)
	})
}

// client returns the RPC client the flags describe.
func (a *app) client() (*rpcclient.Client, error) {
	o := a.opts
	switch {
	case o.rpcURL != "" && o.rpcCookie != "":
		return rpcclient.FromCookieFile(o.rpcURL, o.rpcCookie)
	case o.rpcURL != "" && o.datadir != "":
		return rpcclient.FromCookieFile(o.rpcURL, filepath.Join(o.datadir, rpcclient.CookieFile))
	case o.rpcURL != "":
		return nil, fmt.Errorf("--rpc-url needs --rpc-cookie FILE (or --datadir DIR holding the node's .cookie)")
	case o.rpcCookie != "":
		return nil, fmt.Errorf("--rpc-cookie needs --rpc-url URL")
	case o.datadir != "":
		return rpcclient.FromDatadir(o.datadir)
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return nil, fmt.Errorf("no --datadir or --rpc-url, and no home directory: %v", err)
	}
	return rpcclient.FromDatadir(filepath.Join(home, ".devchain"))
}

// readPassphraseFile returns the first line of the passphrase file, without
// its line ending.
func readPassphraseFile(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("passphrase file: %v", err)
	}
	line, _, _ := bytes.Cut(data, []byte("\n"))
	return bytes.TrimSuffix(line, []byte("\r")), nil
}

// prompt reads a passphrase from the terminal without echo.
func (a *app) prompt(label string) ([]byte, error) {
	fmt.Fprint(a.stderr, label)
	p, err := term.ReadPassword(int(stdin.Fd()))
	fmt.Fprintln(a.stderr)
	if err != nil {
		return nil, fmt.Errorf("read passphrase: %v", err)
	}
	return p, nil
}

// open opens the wallet file, asking for the passphrase when it is
// encrypted, and warns when it is not.
func (a *app) open() (*wallet.Wallet, error) {
	path, err := a.walletPath()
	if err != nil {
		return nil, err
	}
	encrypted, err := wallet.IsEncrypted(path)
	if err != nil {
		return nil, err
	}
	var pass []byte
	if encrypted {
		switch {
		case a.opts.passphraseFile != "":
			if pass, err = readPassphraseFile(a.opts.passphraseFile); err != nil {
				return nil, err
			}
		case isTerminal(stdin):
			if pass, err = a.prompt(fmt.Sprintf("Passphrase for %s: ", path)); err != nil {
				return nil, err
			}
		default:
			return nil, fmt.Errorf("%s is encrypted: pass --passphrase-file FILE, or run in a terminal to be asked", path)
		}
	}
	w, err := wallet.Open(path, pass)
	if err != nil {
		return nil, err
	}
	if !w.Encrypted() {
		fmt.Fprintf(a.stderr, "wallet: warning: %s is not encrypted\n", path)
	}
	return w, nil
}

func (a *app) create(ctx context.Context) error {
	o := a.opts
	path, err := a.walletPath()
	if err != nil {
		return err
	}
	if _, err := os.Lstat(path); err == nil {
		return fmt.Errorf("%w: %s (refusing to overwrite it)", wallet.ErrWalletExists, path)
	}
	if o.noEncrypt && o.passphraseFile != "" {
		return fmt.Errorf("--no-encrypt and --passphrase-file contradict each other")
	}
	if o.prefix != "" && !chain.ValidAddressPrefix(o.prefix) {
		return fmt.Errorf("--prefix %q is not an address prefix (1-30 lowercase bech32 characters)", o.prefix)
	}
	// The chain: from the node when reachable, else from --prefix.
	var info *wallet.ChainInfo
	client, err := a.client()
	if err == nil {
		info, err = wallet.GetChainInfo(ctx, client)
	}
	if err != nil {
		if o.prefix == "" || !errors.Is(err, rpcclient.ErrUnreachable) {
			if errors.Is(err, rpcclient.ErrUnreachable) {
				return fmt.Errorf("%v; pass --prefix P to create a wallet offline for the chain whose addresses start with P", err)
			}
			return err
		}
		info = nil
	}
	if info != nil && o.prefix != "" && o.prefix != info.AddressPrefix {
		return fmt.Errorf("%w: --prefix %q, but the node's chain %q uses %q", wallet.ErrChainMismatch, o.prefix, info.Chain, info.AddressPrefix)
	}

	var pass []byte
	switch {
	case o.noEncrypt:
	case o.passphraseFile != "":
		if pass, err = readPassphraseFile(o.passphraseFile); err != nil {
			return err
		}
	case isTerminal(stdin):
		if pass, err = a.prompt("New passphrase (empty for an unencrypted wallet): "); err != nil {
			return err
		}
		if len(pass) > 0 {
			again, err := a.prompt("Repeat the passphrase: ")
			if err != nil {
				return err
			}
			if !bytes.Equal(pass, again) {
				return fmt.Errorf("the passphrases differ; nothing written")
			}
		}
	default:
		return fmt.Errorf("no passphrase: pass --passphrase-file FILE, run in a terminal to be asked, or --no-encrypt for an unencrypted wallet")
	}

	var w *wallet.Wallet
	var first string
	if info != nil {
		w, first, err = wallet.CreateForNode(ctx, client, path, pass)
	} else {
		w, first, err = wallet.Create(path, o.prefix, pass)
	}
	if err != nil {
		return err
	}
	if !w.Encrypted() {
		fmt.Fprintf(a.stderr, "wallet: warning: %s is not encrypted\n", path)
	}
	if genesis, ok := w.GenesisHash(); ok {
		fmt.Fprintf(a.stdout, "created wallet %s for chain %q (prefix %s, genesis %s)\n", path, info.Chain, w.Prefix(), genesis)
	} else {
		fmt.Fprintf(a.stdout, "created wallet %s offline for prefix %s; its genesis hash will be learned from the first node it reaches\n", path, w.Prefix())
	}
	fmt.Fprintln(a.stdout, first)
	return nil
}

func (a *app) newAddress() error {
	w, err := a.open()
	if err != nil {
		return err
	}
	addr, err := w.NewAddress()
	if err != nil {
		return err
	}
	fmt.Fprintln(a.stdout, addr)
	return nil
}

func (a *app) addresses() error {
	w, err := a.open()
	if err != nil {
		return err
	}
	for _, info := range w.AddressInfos() {
		kind := ""
		if info.Change {
			kind = " change"
		}
		fmt.Fprintf(a.stdout, "%d %s%s\n", info.Index, info.Address, kind)
	}
	return nil
}

// connect opens the wallet, connects to the node and syncs.
func (a *app) connect(ctx context.Context) (*wallet.Wallet, *rpcclient.Client, error) {
	w, err := a.open()
	if err != nil {
		return nil, nil, err
	}
	return a.connectOpened(ctx, w)
}

func (a *app) balance(ctx context.Context) error {
	w, client, err := a.connect(ctx)
	if err != nil {
		return err
	}
	b, err := wallet.GetBalance(ctx, client, w)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "INDEX\tADDRESS\tCONFIRMED\tUNCONFIRMED\tIMMATURE")
	for _, ab := range b.Addresses {
		addr := ab.Address
		if ab.Change {
			addr += " (change)"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", ab.Index, addr,
			chain.FormatAmount(ab.Confirmed), chain.FormatAmount(ab.Unconfirmed), chain.FormatAmount(ab.Immature))
	}
	fmt.Fprintf(tw, "total\t\t%s\t%s\t%s\n",
		chain.FormatAmount(b.Total.Confirmed), chain.FormatAmount(b.Total.Unconfirmed), chain.FormatAmount(b.Total.Immature))
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "spendable now: %s\n", chain.FormatAmount(b.Spendable))
	return nil
}

// parseAmount reads a positive coin amount.
func parseAmount(s string) (int64, error) {
	if s == "" {
		return 0, fmt.Errorf("send needs --amount COINS")
	}
	if strings.HasPrefix(strings.TrimSpace(s), "-") {
		return 0, fmt.Errorf("%w %q: must be more than 0", wallet.ErrInvalidAmount, s)
	}
	units, err := chain.ParseAmount(s)
	if err != nil {
		if _, frac, ok := strings.Cut(s, "."); ok && len(frac) > 8 {
			return 0, fmt.Errorf("%w %q: more than 8 decimals (1 unit = 0.00000001)", wallet.ErrInvalidAmount, s)
		}
		return 0, fmt.Errorf("%w %q: want coins with at most 8 decimals, like 1.5", wallet.ErrInvalidAmount, s)
	}
	if units <= 0 {
		return 0, fmt.Errorf("%w %q: must be more than 0", wallet.ErrInvalidAmount, s)
	}
	return units, nil
}

// parseFeeRate reads a fee rate in units per byte.
func parseFeeRate(s string) (int64, error) {
	if s == "" {
		return wallet.DefaultFeeRate, nil
	}
	r, err := strconv.ParseInt(s, 10, 64)
	if err != nil || r < wallet.MinRelayFeeRate || r > wallet.MaxFeeRate {
		return 0, fmt.Errorf("%w %q: want a whole number of units per byte from %d (the node's minimum relay fee) to %d",
			wallet.ErrInvalidFeeRate, s, wallet.MinRelayFeeRate, wallet.MaxFeeRate)
	}
	return r, nil
}

func (a *app) send(ctx context.Context) error {
	o := a.opts
	if o.to == "" {
		return fmt.Errorf("send needs --to ADDR")
	}
	amount, err := parseAmount(o.amount)
	if err != nil {
		return err
	}
	feeRate, err := parseFeeRate(o.feeRate)
	if err != nil {
		return err
	}
	wait, err := parseWait(o.wait)
	if err != nil {
		return err
	}
	w, err := a.open()
	if err != nil {
		return err
	}
	if _, err := w.ParseAddress(o.to); err != nil {
		return err
	}
	_, client, err := a.connectOpened(ctx, w)
	if err != nil {
		return err
	}
	res, err := wallet.Send(ctx, client, w, o.to, amount, feeRate)
	if err != nil {
		return err
	}
	msg := fmt.Sprintf("sent %s to %s, fee %s (%d bytes at %d units/byte", chain.FormatAmount(res.Amount), o.to,
		chain.FormatAmount(res.Fee), res.Size, feeRate)
	if extra := res.Fee - feeRate*int64(res.Size); extra > 0 {
		msg += fmt.Sprintf(", plus %s of dust change", chain.FormatAmount(extra))
	}
	msg += ")"
	if res.Change > 0 {
		msg += fmt.Sprintf(", change %s to %s", chain.FormatAmount(res.Change), res.ChangeAddress)
	}
	fmt.Fprintln(a.stdout, msg)
	fmt.Fprintln(a.stdout, res.TxID)
	if wait == 0 {
		return nil
	}
	// The payment and its pending spends are saved: waiting for blocks needs
	// the node, not the wallet file, so other commands may use it meanwhile.
	if err := a.fileLock.Unlock(); err != nil {
		return err
	}
	return a.waitConfirmations(ctx, client, res.TxID.String(), wait)
}

// connectOpened connects to the node and syncs w (CheckChain and the
// record of pending spends), reporting vanished pending transactions on
// stderr.
func (a *app) connectOpened(ctx context.Context, w *wallet.Wallet) (*wallet.Wallet, *rpcclient.Client, error) {
	client, err := a.client()
	if err != nil {
		return nil, nil, err
	}
	report, err := wallet.Sync(ctx, client, w)
	if err != nil {
		return nil, nil, err
	}
	for _, txid := range report.Vanished {
		fmt.Fprintf(a.stderr, "wallet: note: pending transaction %s is neither in the node's mempool nor in its chain any more; the coins it spent are spendable again\n", txid)
	}
	return w, client, nil
}

func (a *app) history(ctx context.Context) error {
	w, client, err := a.connect(ctx)
	if err != nil {
		return err
	}
	entries, err := wallet.History(ctx, client, w)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "HEIGHT\tCONFIRMATIONS\tTXID\tAMOUNT")
	for _, e := range entries {
		height := strconv.FormatInt(e.Height, 10)
		if e.Pending() {
			height = "pending"
		}
		net := chain.FormatAmount(e.Net)
		if e.Net > 0 {
			net = "+" + net
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", height, e.Confirmations, e.TxID, net)
	}
	return tw.Flush()
}
