package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/btcutil/bech32"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
	"github.com/devchain/devchain/wallet"
	"github.com/devchain/devchain/wallet/wallettest"
)

func init() {
	// Tests never have a terminal: passphrases come from files.
	isTerminal = func(*os.File) bool { return false }
}

// cli runs the command and returns its stdout, stderr and exit status.
func cli(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(args, &out, &errOut)
	return out.String(), errOut.String(), code
}

// lastLine returns the last non-empty line of s.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

// mustRun runs the command and fails the test unless it exits 0.
func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	out, errOut, code := cli(t, args...)
	if code != 0 {
		t.Fatalf("wallet %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

func writeFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestParseArgs(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		cmd     string
		check   func(*options) bool
		wantErr string
	}{
		{name: "flags before", args: []string{"--wallet", "w.json", "--datadir", "d", "balance"}, cmd: "balance",
			check: func(o *options) bool { return o.walletFile == "w.json" && o.datadir == "d" }},
		{name: "flags after", args: []string{"balance", "--wallet", "w.json", "--datadir=d"}, cmd: "balance",
			check: func(o *options) bool { return o.walletFile == "w.json" && o.datadir == "d" }},
		{name: "flags around", args: []string{"-wallet=w.json", "send", "--to", "A", "--passphrase-file", "p", "--amount", "1.5", "--fee-rate", "3"}, cmd: "send",
			check: func(o *options) bool {
				return o.walletFile == "w.json" && o.to == "A" && o.amount == "1.5" && o.feeRate == "3" && o.passphraseFile == "p"
			}},
		{name: "send positional", args: []string{"send", "A", "2", "--rpc-url", "http://x/", "--rpc-cookie", "c"}, cmd: "send",
			check: func(o *options) bool {
				return o.to == "A" && o.amount == "2" && o.rpcURL == "http://x/" && o.rpcCookie == "c"
			}},
		{name: "negative amount is a value", args: []string{"send", "--amount", "-1", "--to", "A"}, cmd: "send",
			check: func(o *options) bool { return o.amount == "-1" }},
		{name: "create flags", args: []string{"create", "--prefix", "dev", "--no-encrypt"}, cmd: "create",
			check: func(o *options) bool { return o.prefix == "dev" && o.noEncrypt }},
		{name: "help flag", args: []string{"balance", "--help"}, cmd: "help"},
		{name: "help command", args: []string{"help"}, cmd: "help"},
		{name: "no command", args: []string{"--wallet", "w"}, wantErr: "no command"},
		{name: "unknown command", args: []string{"sned"}, wantErr: `unknown command "sned"`},
		{name: "unknown flag", args: []string{"balance", "--walet", "x"}, wantErr: "unknown flag: -walet"},
		{name: "flag of another command", args: []string{"balance", "--to", "A"}, wantErr: "--to is not a flag of balance"},
		{name: "prefix only for create", args: []string{"send", "--prefix", "dev"}, wantErr: "--prefix is not a flag of send"},
		{name: "extra argument", args: []string{"balance", "now"}, wantErr: `unexpected argument "now"`},
		{name: "too many send arguments", args: []string{"send", "A", "1", "x"}, wantErr: `unexpected argument "x"`},
		{name: "missing flag value", args: []string{"balance", "--wallet"}, wantErr: "flag needs an argument"},
		{name: "after --", args: []string{"send", "--to", "A", "--", "-5"}, cmd: "send",
			check: func(o *options) bool { return o.amount == "-5" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o, cmd, _, err := parseArgs(tc.args)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cmd != tc.cmd {
				t.Errorf("command %q, want %q", cmd, tc.cmd)
			}
			if tc.check != nil && !tc.check(o) {
				t.Errorf("options %+v", o)
			}
		})
	}
}

func TestParseAmount(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		wantErr string
	}{
		{"1.5", 150_000_000, ""},
		{"20", 20 * chain.UnitsPerCoin, ""},
		{"0.00000001", 1, ""},
		{".5", 50_000_000, ""},
		{"", 0, "needs --amount"},
		{"0", 0, "more than 0"},
		{"0.00000000", 0, "more than 0"},
		{"-1", 0, "more than 0"},
		{"-0.5", 0, "more than 0"},
		{"1.000000001", 0, "more than 8 decimals"},
		{"abc", 0, "at most 8 decimals"},
		{"1e5", 0, "at most 8 decimals"},
		{"1,5", 0, "at most 8 decimals"},
		{"+1", 0, "at most 8 decimals"},
		{"99999999999999999999", 0, "at most 8 decimals"},
	}
	for _, tc := range tests {
		got, err := parseAmount(tc.in)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("parseAmount(%q) = %d, %v; want error %q", tc.in, got, err, tc.wantErr)
			} else if tc.in != "" && !errors.Is(err, wallet.ErrInvalidAmount) {
				t.Errorf("parseAmount(%q): %v is not ErrInvalidAmount", tc.in, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("parseAmount(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{{"", 2, true}, {"1", 1, true}, {"25", 25, true}, {"0", 0, false}, {"-3", 0, false}, {"1.5", 0, false}, {"x", 0, false}} {
		got, err := parseFeeRate(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("parseFeeRate(%q) = %d, %v", tc.in, got, err)
		}
	}
}

// TestCLI walks through a session: create, newaddress, addresses, balance,
// send, history.
func TestCLI(t *testing.T) {
	node := wallettest.NewNode(t, "dev")
	wf := filepath.Join(t.TempDir(), "w.json")
	dd := node.Datadir

	out, errOut, code := cli(t, "create", "--no-encrypt", "--wallet", wf, "--datadir", dd)
	if code != 0 {
		t.Fatalf("create: %d %s", code, errOut)
	}
	first := lastLine(out)
	if _, err := chain.DecodeAddress(first, "dev"); err != nil {
		t.Fatalf("create's last line %q: %v", first, err)
	}
	if errOut != "wallet: warning: "+wf+" is not encrypted\n" {
		t.Errorf("create stderr %q", errOut)
	}
	if !strings.Contains(out, node.GenesisHash().String()) {
		t.Errorf("create output does not name the genesis: %q", out)
	}

	second := lastLine(mustRun(t, "newaddress", "--wallet", wf))
	if _, err := chain.DecodeAddress(second, "dev"); err != nil || second == first {
		t.Fatalf("newaddress printed %q (%v)", second, err)
	}
	if got, want := mustRun(t, "--wallet", wf, "addresses"), "0 "+first+"\n1 "+second+"\n"; got != want {
		t.Errorf("addresses:\n%s\nwant\n%s", got, want)
	}

	node.Fund(t, first, 10*chain.UnitsPerCoin)
	node.FundCoinbase(t, second, 50*chain.UnitsPerCoin)
	out = mustRun(t, "balance", "--wallet", wf, "--datadir", dd)
	wantBalance := [][]string{
		{"INDEX", "ADDRESS", "CONFIRMED", "UNCONFIRMED", "IMMATURE"},
		{"0", first, "10", "0", "0"},
		{"1", second, "0", "0", "50"},
		{"total", "10", "0", "50"},
		{"spendable", "now:", "10"},
	}
	if got := fields(out); !slices.EqualFunc(got, wantBalance, slices.Equal) {
		t.Errorf("balance:\n%s", out)
	}

	to := otherAddress(t, "dev")
	out, errOut, code = cli(t, "--wallet", wf, "send", "--to", to, "--amount", "1.5", "--datadir", dd)
	if code != 0 {
		t.Fatalf("send: %d %s", code, errOut)
	}
	accepted := node.Accepted()
	if len(accepted) != 1 {
		t.Fatalf("node accepted %d transactions", len(accepted))
	}
	tx := accepted[0]
	if lastLine(out) != tx.TxID().String() {
		t.Errorf("send's last line %q, want txid %s", lastLine(out), tx.TxID())
	}
	checkValid(t, node, tx)
	toAddr, _ := chain.DecodeAddress(to, "dev")
	if tx.Outputs[0].Address != toAddr || tx.Outputs[0].Amount != 150_000_000 {
		t.Errorf("payment output %+v", tx.Outputs[0])
	}
	if fee := 10*chain.UnitsPerCoin - 150_000_000 - tx.Outputs[1].Amount; fee != 2*int64(tx.SerializeSize()) {
		t.Errorf("fee %d, want 2 units/byte × %d bytes", fee, tx.SerializeSize())
	}

	// A second send with a custom fee rate spends the unconfirmed change.
	out = mustRun(t, "send", to, "0.25", "--fee-rate", "5", "--wallet", wf, "--datadir", dd)
	accepted = node.Accepted()
	if len(accepted) != 2 || lastLine(out) != accepted[1].TxID().String() {
		t.Fatalf("second send: %q, accepted %d", out, len(accepted))
	}
	if accepted[1].Inputs[0].PrevOut.TxID != tx.TxID() {
		t.Errorf("second send spends %v, want the first's change", accepted[1].Inputs[0].PrevOut)
	}

	node.Mine(1)
	out = mustRun(t, "history", "--wallet", wf, "--datadir", dd)
	rows := fields(out)
	fee1 := 2 * int64(tx.SerializeSize())
	fee2 := 5 * int64(accepted[1].SerializeSize())
	wantRows := [][]string{
		{"HEIGHT", "CONFIRMATIONS", "TXID", "AMOUNT"},
		{"1", "3", tx.Inputs[0].PrevOut.TxID.String(), "+10"},
		{"2", "2", "", "+50"},
		{"3", "1", tx.TxID().String(), "-" + chain.FormatAmount(150_000_000+fee1)},
		{"3", "1", accepted[1].TxID().String(), "-" + chain.FormatAmount(25_000_000+fee2)},
	}
	if len(rows) == len(wantRows) {
		rows[2][2] = "" // the coinbase's txid
	}
	if !slices.EqualFunc(rows, wantRows, slices.Equal) {
		t.Errorf("history:\n%s", out)
	}
	if strings.Contains(out, "pending") {
		t.Errorf("history after mining shows pending:\n%s", out)
	}
	if n := len(strings.Split(strings.TrimSpace(mustRun(t, "addresses", "--wallet", wf)), "\n")); n != 4 {
		t.Errorf("%d addresses after two sends with change, want 4", n)
	}
}

func fields(s string) [][]string {
	var out [][]string
	for _, line := range strings.Split(strings.TrimSpace(s), "\n") {
		out = append(out, strings.Fields(line))
	}
	return out
}

// otherAddress is an address of the chain that no test wallet owns.
func otherAddress(t *testing.T, prefix string) string {
	t.Helper()
	_, addr, err := wallet.Create(filepath.Join(t.TempDir(), "other.json"), prefix, nil)
	if err != nil {
		t.Fatal(err)
	}
	return addr
}

// checkValid verifies tx with the consensus rules and the node's genesis.
func checkValid(t *testing.T, node *wallettest.Node, tx *chain.Transaction) {
	t.Helper()
	if err := consensus.CheckTransactionSanity(tx, node.Params); err != nil {
		t.Fatal(err)
	}
	spent, err := node.SpentUTXOs(tx)
	if err != nil {
		t.Fatal(err)
	}
	if err := consensus.VerifySignatures(tx, spent, node.GenesisHash()); err != nil {
		t.Fatal(err)
	}
}

// newFundedWallet creates an unencrypted wallet for node with 10 coins.
func newFundedWallet(t *testing.T, node *wallettest.Node) (walletFile, first string) {
	t.Helper()
	walletFile = filepath.Join(t.TempDir(), "w.json")
	first = lastLine(mustRun(t, "create", "--no-encrypt", "--wallet", walletFile, "--datadir", node.Datadir))
	node.Fund(t, first, 10*chain.UnitsPerCoin)
	return walletFile, first
}

// checkFails runs the command, which must exit 1 with a one-line error
// containing want (after any warning lines) and print nothing on stdout.
func checkFails(t *testing.T, want string, args ...string) {
	t.Helper()
	out, errOut, code := cli(t, args...)
	if code != 1 {
		t.Errorf("wallet %s: exit %d, want 1", strings.Join(args, " "), code)
	}
	var errLines []string
	for _, line := range strings.Split(strings.TrimRight(errOut, "\n"), "\n") {
		if !strings.HasPrefix(line, "wallet: warning: ") {
			errLines = append(errLines, line)
		}
	}
	if len(errLines) != 1 || !strings.HasPrefix(errLines[0], "wallet: ") || !strings.Contains(errLines[0], want) {
		t.Errorf("wallet %s: stderr %q, want one line \"wallet: ...%s...\"", strings.Join(args, " "), errOut, want)
	}
	if out != "" {
		t.Errorf("wallet %s: stdout %q, want nothing", strings.Join(args, " "), out)
	}
}

// TestCLIBadInputs checks that bad input exits 1 with a one-line error and
// sends nothing.
func TestCLIBadInputs(t *testing.T) {
	node := wallettest.NewNode(t, "dev")
	wf, first := newFundedWallet(t, node)
	dd := node.Datadir
	to := otherAddress(t, "dev")
	toAddr, _ := chain.DecodeAddress(to, "dev")
	flipped := []byte(to)
	if flipped[len(flipped)-1] == 'q' {
		flipped[len(flipped)-1] = 'p'
	} else {
		flipped[len(flipped)-1] = 'q'
	}
	bech32Addr := encodeBech32(t, "dev", toAddr[:])
	cookie := node.CookieFile
	foreign := wallettest.NewChainNode(t, "othernet", "dev")
	otherPrefix := wallettest.NewNode(t, "tdev")

	send := func(extra ...string) []string {
		return append([]string{"send", "--wallet", wf, "--datadir", dd}, extra...)
	}
	tests := []struct {
		name string
		want string
		args []string
	}{
		{"bad checksum", "bad address", send("--to", string(flipped), "--amount", "1")},
		{"not an address", "bad address", send("--to", "hello", "--amount", "1")},
		{"wrong prefix", "is for another chain", send("--to", toAddr.Encode("tdev"), "--amount", "1")},
		{"bech32 not bech32m", "bech32m", send("--to", bech32Addr, "--amount", "1")},
		{"zero amount", "more than 0", send("--to", to, "--amount", "0")},
		{"negative amount", "more than 0", send("--to", to, "--amount", "-1")},
		{"nine decimals", "more than 8 decimals", send("--to", to, "--amount", "0.000000001")},
		{"not a number", "at most 8 decimals", send("--to", to, "--amount", "ten")},
		{"over balance", "insufficient funds: have 10, need 10.00000", send("--to", to, "--amount", "10")},
		{"far over balance", "insufficient funds: have 10, need 1000.00000", send("--to", to, "--amount", "1000")},
		{"fee rate 0", "invalid fee rate", send("--to", to, "--amount", "1", "--fee-rate", "0")},
		{"fractional fee rate", "invalid fee rate", send("--to", to, "--amount", "1", "--fee-rate", "1.5")},
		{"missing --to", "send needs --to", send("--amount", "1")},
		{"missing --amount", "send needs --amount", send("--to", to)},
		{"unreachable node", "node unreachable", []string{"send", "--wallet", wf, "--rpc-url", "http://127.0.0.1:1/", "--rpc-cookie", cookie, "--to", to, "--amount", "1"}},
		{"no node in datadir", "node unreachable", []string{"balance", "--wallet", wf, "--datadir", t.TempDir()}},
		{"wrong cookie", "unauthorized", []string{"balance", "--wallet", wf, "--rpc-url", node.URL, "--rpc-cookie", writeFile(t, "__cookie__:nope")}},
		{"rpc-url without cookie", "--rpc-url needs --rpc-cookie", []string{"balance", "--wallet", wf, "--rpc-url", node.URL}},
		{"missing wallet file", "no wallet file", []string{"balance", "--wallet", filepath.Join(t.TempDir(), "nope.json"), "--datadir", dd}},
		{"missing wallet for send", "no wallet file", []string{"send", "--wallet", filepath.Join(t.TempDir(), "nope.json"), "--datadir", dd, "--to", to, "--amount", "1"}},
		{"node of another genesis", "wallet is for another chain", []string{"send", "--wallet", wf, "--datadir", foreign.Datadir, "--to", to, "--amount", "1"}},
		{"node of another prefix", "wallet is for another chain", []string{"balance", "--wallet", wf, "--datadir", otherPrefix.Datadir}},
		{"unknown command", "unknown command", []string{"sendall", "--wallet", wf}},
		{"create over an existing wallet", "already exists", []string{"create", "--no-encrypt", "--wallet", wf, "--datadir", dd}},
	}
	foreign.Fund(t, first, 10*chain.UnitsPerCoin)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { checkFails(t, tc.want, tc.args...) })
	}
	for _, n := range []*wallettest.Node{node, foreign, otherPrefix} {
		if calls := n.Calls("sendrawtransaction"); calls != 0 {
			t.Errorf("a node received %d sendrawtransaction calls", calls)
		}
	}
	// The wallet still works and still has its 10 coins.
	if out := mustRun(t, "balance", "--wallet", wf, "--datadir", dd); !strings.Contains(out, "spendable now: 10\n") {
		t.Errorf("balance after bad inputs:\n%s", out)
	}
}

func encodeBech32(t *testing.T, prefix string, payload []byte) string {
	t.Helper()
	data, err := bech32.ConvertBits(payload, 8, 5, true)
	if err != nil {
		t.Fatal(err)
	}
	s, err := bech32.Encode(prefix, append([]byte{1}, data...))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestCLIEncrypted covers passphrases: from a file, wrong, missing.
func TestCLIEncrypted(t *testing.T) {
	node := wallettest.NewNode(t, "dev")
	wf := filepath.Join(t.TempDir(), "w.json")
	pass := writeFile(t, "open sesame\n")
	out, errOut, code := cli(t, "create", "--wallet", wf, "--passphrase-file", pass, "--datadir", node.Datadir)
	if code != 0 || strings.Contains(errOut, "not encrypted") {
		t.Fatalf("create: %d %q", code, errOut)
	}
	first := lastLine(out)
	if enc, err := wallet.IsEncrypted(wf); err != nil || !enc {
		t.Fatalf("IsEncrypted = %v, %v", enc, err)
	}
	data, _ := os.ReadFile(wf)
	if !strings.Contains(string(data), `"encrypted": true`) {
		t.Error(`file lacks "encrypted": true`)
	}

	// The trailing newline is not part of the passphrase; CRLF files work.
	if out, errOut, code := cli(t, "addresses", "--wallet", wf, "--passphrase-file", writeFile(t, "open sesame\r\nsecond line\n")); code != 0 || out != "0 "+first+"\n" || errOut != "" {
		t.Errorf("addresses: %d %q %q", code, out, errOut)
	}
	checkFails(t, "wrong passphrase", "addresses", "--wallet", wf, "--passphrase-file", writeFile(t, "open sesame \n"))
	checkFails(t, "wrong passphrase", "send", "--wallet", wf, "--passphrase-file", writeFile(t, "Open sesame"), "--datadir", node.Datadir, "--to", first, "--amount", "1")
	checkFails(t, "is encrypted: pass --passphrase-file", "newaddress", "--wallet", wf)
	checkFails(t, "passphrase file", "newaddress", "--wallet", wf, "--passphrase-file", filepath.Join(t.TempDir(), "none"))
	if node.Calls("sendrawtransaction") != 0 {
		t.Error("a send with a wrong passphrase reached the node")
	}

	// Without a terminal or a passphrase file, create says what to do.
	checkFails(t, "--no-encrypt", "create", "--wallet", filepath.Join(t.TempDir(), "x.json"), "--datadir", node.Datadir)
	// An empty passphrase file means an unencrypted wallet.
	wf2 := filepath.Join(t.TempDir(), "w2.json")
	_, errOut, code = cli(t, "create", "--wallet", wf2, "--passphrase-file", writeFile(t, "\n"), "--datadir", node.Datadir)
	if code != 0 || errOut != "wallet: warning: "+wf2+" is not encrypted\n" {
		t.Errorf("create with empty passphrase: %d %q", code, errOut)
	}
}

// TestCLIOffline creates a wallet with no node, then meets one.
func TestCLIOffline(t *testing.T) {
	wf := filepath.Join(t.TempDir(), "w.json")
	nowhere := t.TempDir()
	checkFails(t, "pass --prefix", "create", "--no-encrypt", "--wallet", wf, "--datadir", nowhere)
	if _, err := os.Stat(wf); err == nil {
		t.Fatal("failed create wrote a file")
	}
	out := mustRun(t, "create", "--no-encrypt", "--prefix", "dev", "--wallet", wf, "--datadir", nowhere)
	first := lastLine(out)
	if _, err := chain.DecodeAddress(first, "dev"); err != nil {
		t.Fatal(err)
	}
	w, err := wallet.Open(wf, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := w.GenesisHash(); ok {
		t.Error("offline wallet knows a genesis")
	}

	node := wallettest.NewNode(t, "dev")
	node.Fund(t, first, 3*chain.UnitsPerCoin)
	if out := mustRun(t, "balance", "--wallet", wf, "--rpc-url", node.URL, "--rpc-cookie", node.CookieFile); !strings.Contains(out, "spendable now: 3\n") {
		t.Errorf("balance:\n%s", out)
	}
	w, _ = wallet.Open(wf, nil)
	if g, ok := w.GenesisHash(); !ok || g != node.GenesisHash() {
		t.Error("genesis not learned")
	}
	// Now bound to that chain: a node of another chain with the same prefix
	// is refused.
	foreign := wallettest.NewChainNode(t, "othernet", "dev")
	checkFails(t, "wallet is for another chain", "balance", "--wallet", wf, "--datadir", foreign.Datadir)

	// --prefix that contradicts the reachable node.
	checkFails(t, "wallet is for another chain", "create", "--no-encrypt", "--prefix", "tdev", "--wallet", filepath.Join(t.TempDir(), "y.json"), "--datadir", node.Datadir)
	checkFails(t, "not an address prefix", "create", "--no-encrypt", "--prefix", "Bad Prefix", "--wallet", filepath.Join(t.TempDir(), "z.json"), "--datadir", nowhere)
}

func TestCLIHelp(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"--help"}, {"-h"}, {"send", "--help"}} {
		out, errOut, code := cli(t, args...)
		if code != 0 || !strings.HasPrefix(out, "usage: wallet") || errOut != "" {
			t.Errorf("%v: %d %q %q", args, code, out, errOut)
		}
	}
	checkFails(t, "no command")
}
