package consensustest

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
	"github.com/devchain/devchain/consensus/store"
)

// RunScenarios runs every scenario file under dir (see RunScenario), each
// on a store from newStore.
func RunScenarios(t *testing.T, dir string, newStore func(testing.TB) StoreOpener) {
	datadriven.Walk(t, dir, func(t *testing.T, path string) {
		RunScenario(t, path, newStore)
	})
}

// RunScenario runs one scenario file: a datadriven transcript of commands,
// each followed by "----" and the output it must produce (rewrite with
// `go test -rewrite`). Lines starting with # are comments; draw the block
// tree there. Commands:
//
//	chain [retarget=N] [spacing=S] [factor=F] [maturity=N] [bits=0x..] [subsidy=COINS]
//	      [halving=N] [max-block-bytes=N] [future=S]
//	                        start over on a chain with these parameters changed
//	build NAME [parent=P] [BLOCK OPTIONS]
//	                        build and mine a block (parent: the last block built)
//	block NAME [parent=P] [BLOCK OPTIONS]
//	                        build, then submit
//	blocks PREFIX n=N [parent=P] [first=K] [submit=false] [BLOCK OPTIONS]
//	                        a run of blocks PREFIX{K}..PREFIX{K+N-1}, each on the last
//	submit NAME...          give built blocks to the engine, in order
//	header NAME             give only a block's header
//	mutate NAME from=B (dup-last-tx | drop-last-tx | drop-all-txs | drop-coinbase | add-coinbase) [remine]
//	                        a copy of block B with the same header and other
//	                        transactions; with remine, a new header committing
//	                        to them, mined again
//	tx NAME spend=(REF, ...) [pay=(KEY:COINS, ...)] [change=KEY] [fee=UNITS]
//	      [sign-with=KEY] [bad-sig]
//	                        build and sign a transaction; REF is B.cb[:i] or TX[:i]
//	invalidate NAME / reconsider NAME
//	clock now=UNIX|+S / clock follow
//	tip / tips / orphans / utxos [KEY] / balance KEY...
//	utxo-digest             size and SHA-256 of the whole UTXO set: equal digests, equal sets
//	restart                 close and reopen the store and engine
//	verify                  replay the active chain and compare UTXO set and address index
//
// Block options: txs=(T, ...), coinbase-to=KEY, coinbase-extra=UNITS,
// time=UNIX|+S|mtp|mtp+S|now+S, bits=0x.., coinbase-height=N, high-hash,
// merkle-root=zero.
func RunScenario(t *testing.T, path string, newStore func(testing.TB) StoreOpener) {
	r := &runner{newStore: newStore}
	r.h = New(t, Options{Store: newStore(t)})
	datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
		r.t, r.d = t, d
		r.h.t = t
		out := r.run()
		if out != "" && !strings.HasSuffix(out, "\n") {
			out += "\n"
		}
		return out
	})
}

type runner struct {
	t        *testing.T
	d        *datadriven.TestData
	h        *Harness
	newStore func(testing.TB) StoreOpener
}

func (r *runner) fatalf(format string, args ...any) {
	r.t.Helper()
	r.t.Fatalf("%s: %s", r.d.Pos, fmt.Sprintf(format, args...))
}

// positional returns the arguments without a value (names, flags).
func (r *runner) positional() []string {
	var names []string
	for _, a := range r.d.CmdArgs {
		if len(a.Vals) == 0 {
			names = append(names, a.Key)
		}
	}
	return names
}

func (r *runner) name() string {
	r.t.Helper()
	names := r.positional()
	if len(names) == 0 {
		r.fatalf("%s needs a name", r.d.Cmd)
	}
	return names[0]
}

func (r *runner) flag(key string) bool {
	return slices.Contains(r.positional(), key)
}

// list returns the values of key=(v1, v2) (or key=v); a positional
// argument of the same name (a block named "pay") is not a match.
func (r *runner) list(key string) []string {
	for _, a := range r.d.CmdArgs {
		if a.Key == key && len(a.Vals) > 0 {
			// "txs=()" parses as one empty value: an empty list.
			return slices.DeleteFunc(slices.Clone(a.Vals), func(v string) bool { return v == "" })
		}
	}
	return nil
}

func (r *runner) arg(key string) (string, bool) {
	vals := r.list(key)
	if len(vals) == 0 {
		return "", false
	}
	return vals[0], true
}

func (r *runner) intArg(key string) (int64, bool) {
	s, ok := r.arg(key)
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 0, 64)
	if err != nil {
		r.fatalf("%s=%s: %v", key, s, err)
	}
	return n, true
}

func (r *runner) run() string {
	switch r.d.Cmd {
	case "chain":
		return r.newChain()
	case "build":
		b := r.build()
		return fmt.Sprintf("%s: height=%d txs=%d", r.name(), r.h.heights[b.Hash()], len(b.Transactions))
	case "block":
		r.build()
		return r.submit(r.name())
	case "blocks":
		return r.blocks()
	case "submit":
		var out []string
		for _, n := range r.positional() {
			out = append(out, r.submit(n))
		}
		return strings.Join(out, "\n")
	case "header":
		if err := r.h.SubmitHeader(r.name()); err != nil {
			return r.name() + ": " + describeErr(err)
		}
		return r.name() + ": header accepted"
	case "mutate":
		return r.mutate()
	case "tx":
		return r.tx()
	case "invalidate", "reconsider":
		return r.invalidate()
	case "clock":
		return r.clock()
	case "tip":
		tip := r.h.Engine.Tip()
		return fmt.Sprintf("%s height=%d chainwork=%d", r.h.BlockName(tip.Hash), tip.Height, tip.ChainWork)
	case "utxo-digest":
		return r.utxoDigest()
	case "tips":
		return r.tips()
	case "orphans":
		return fmt.Sprintf("orphans: %d", r.h.Engine.Orphans())
	case "utxos":
		return r.utxos()
	case "balance":
		var out []string
		for _, k := range r.positional() {
			out = append(out, fmt.Sprintf("%s: %s", k, chain.FormatAmount(r.h.Balance(k))))
		}
		return strings.Join(out, "\n")
	case "restart":
		r.h.Restart()
		tip := r.h.Engine.Tip()
		return fmt.Sprintf("restarted: tip %s height=%d", r.h.BlockName(tip.Hash), tip.Height)
	case "verify":
		if err := r.h.Engine.VerifyChain(); err != nil {
			return err.Error()
		}
		return "ok: stored state equals a replay of the active chain"
	}
	r.fatalf("unknown command %q", r.d.Cmd)
	return ""
}

func (r *runner) newChain() string {
	g := TestGenesis()
	ints := map[string]*int64{
		"retarget": &g.RetargetIntervalBlocks, "spacing": &g.TargetSpacingSeconds,
		"factor": &g.MaxAdjustFactor, "maturity": &g.CoinbaseMaturity,
		"halving": &g.HalvingIntervalBlocks, "max-block-bytes": &g.MaxBlockBytes,
		"future": &g.MaxFutureBlockSeconds,
	}
	for _, a := range r.d.CmdArgs {
		switch {
		case ints[a.Key] != nil:
			*ints[a.Key], _ = r.intArg(a.Key)
		case a.Key == "bits":
			v, _ := r.intArg("bits")
			g.Bits = chain.HexUint32(v)
		case a.Key == "subsidy":
			units, err := chain.ParseAmount(a.Vals[0])
			if err != nil {
				r.fatalf("%v", err)
			}
			g.InitialSubsidy = units
		default:
			r.fatalf("chain: unknown parameter %q", a.Key)
		}
	}
	r.h = New(r.t, Options{Genesis: g, Store: r.newStore(r.t)})
	return fmt.Sprintf("chain: retarget=%d spacing=%d maturity=%d bits=%08x",
		g.RetargetIntervalBlocks, g.TargetSpacingSeconds, g.CoinbaseMaturity, uint32(g.Bits))
}

func (r *runner) parent() string {
	if p, ok := r.arg("parent"); ok {
		return p
	}
	if r.h.lastBuilt == "" {
		return GenesisName
	}
	return r.h.lastBuilt
}

func (r *runner) build() *chain.Block {
	return r.h.NewBlock(r.name(), r.parent(), r.blockOptions()...)
}

func (r *runner) blockOptions() []BlockOption {
	var opts []BlockOption
	if txs := r.list("txs"); len(txs) > 0 {
		opts = append(opts, Txs(txs...))
	}
	if k, ok := r.arg("coinbase-to"); ok {
		opts = append(opts, CoinbaseTo(k))
	}
	if n, ok := r.intArg("coinbase-extra"); ok {
		opts = append(opts, CoinbaseExtra(n))
	}
	if n, ok := r.intArg("coinbase-height"); ok {
		opts = append(opts, CoinbaseHeight(uint32(n)))
	}
	if n, ok := r.intArg("bits"); ok {
		opts = append(opts, Bits(uint32(n)))
	}
	if r.flag("high-hash") {
		opts = append(opts, HighHash())
	}
	if root, ok := r.arg("merkle-root"); ok {
		if root != "zero" {
			r.fatalf("merkle-root=%s: only zero is known", root)
		}
		opts = append(opts, WrongMerkleRoot(chain.ZeroHash))
	}
	if ts, ok := r.arg("time"); ok {
		opts = append(opts, r.timeOption(ts))
	}
	return opts
}

func (r *runner) timeOption(ts string) BlockOption {
	offset := func(s string) int64 {
		if s == "" {
			return 0
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			r.fatalf("time=%s: %v", ts, err)
		}
		return n
	}
	switch {
	case strings.HasPrefix(ts, "mtp"):
		return TimeAfterMTP(offset(strings.TrimPrefix(ts, "mtp")))
	case strings.HasPrefix(ts, "now"):
		return Time(uint32(r.h.Now().Unix() + offset(strings.TrimPrefix(ts, "now"))))
	case strings.HasPrefix(ts, "+"):
		return TimeAfterParent(offset(ts))
	}
	return Time(uint32(offset(ts)))
}

func (r *runner) submit(name string) string {
	res, err := r.h.Submit(name)
	return r.h.FormatResult(name, res, err)
}

func (r *runner) blocks() string {
	prefix := r.name()
	n, ok := r.intArg("n")
	if !ok {
		r.fatalf("blocks needs n=")
	}
	first, ok := r.intArg("first")
	if !ok {
		first = 1
	}
	submit := true
	if s, ok := r.arg("submit"); ok {
		submit = s != "false"
	}
	parent := r.parent()
	opts := r.blockOptions()
	counts := map[string]int{}
	var notes []string
	for i := first; i < first+n; i++ {
		name := fmt.Sprintf("%s%d", prefix, i)
		r.h.NewBlock(name, parent, opts...)
		parent = name
		if !submit {
			continue
		}
		res, err := r.h.Submit(name)
		switch {
		case err != nil:
			counts["rejected"]++
			notes = append(notes, r.h.FormatResult(name, res, err))
		default:
			counts[res.Status.String()]++
			if len(res.Disconnected) > 0 {
				notes = append(notes, r.h.FormatResult(name, res, err))
			}
		}
	}
	last := fmt.Sprintf("%s%d", prefix, first+n-1)
	if !submit {
		return fmt.Sprintf("built %s%d..%s", prefix, first, last)
	}
	var summary []string
	for _, k := range slices.Sorted(maps.Keys(counts)) {
		summary = append(summary, fmt.Sprintf("%s=%d", k, counts[k]))
	}
	lines := append([]string{fmt.Sprintf("%s%d..%s: %s", prefix, first, last, strings.Join(summary, " "))}, notes...)
	return strings.Join(lines, "\n")
}

func (r *runner) mutate() string {
	name := r.name()
	from, ok := r.arg("from")
	if !ok {
		r.fatalf("mutate needs from=")
	}
	fn := r.mutation()
	var b *chain.Block
	if r.flag("remine") {
		b = r.h.Remine(name, from, fn)
	} else {
		b = r.h.Mutate(name, from, fn)
	}
	same := "same hash as"
	if b.Hash() != r.h.Block(from).Hash() {
		same = "differs from"
	}
	return fmt.Sprintf("%s: %d txs, %s %s", name, len(b.Transactions), same, from)
}

// mutation returns the change a mutate command asks for.
func (r *runner) mutation() func(b *chain.Block) {
	switch {
	case r.flag("dup-last-tx"):
		return func(b *chain.Block) { b.Transactions = append(b.Transactions, b.Transactions[len(b.Transactions)-1]) }
	case r.flag("drop-last-tx"):
		return func(b *chain.Block) { b.Transactions = b.Transactions[:len(b.Transactions)-1] }
	case r.flag("drop-all-txs"):
		return func(b *chain.Block) { b.Transactions = nil }
	case r.flag("drop-coinbase"):
		return func(b *chain.Block) { b.Transactions = b.Transactions[1:] }
	case r.flag("add-coinbase"):
		return func(b *chain.Block) {
			cb := b.Transactions[0]
			extra := chain.NewCoinbase(cb.CoinbaseHeight(), []byte("second coinbase"), cb.Outputs...)
			b.Transactions = append(b.Transactions, extra)
		}
	}
	r.fatalf("mutate: want dup-last-tx, drop-last-tx, drop-all-txs, drop-coinbase or add-coinbase")
	return nil
}

func (r *runner) tx() string {
	name := r.name()
	opts := []TxOption{Spend(r.list("spend")...)}
	for _, p := range r.list("pay") {
		key, amount, ok := strings.Cut(p, ":")
		units, err := chain.ParseAmount(amount)
		if !ok || err != nil {
			r.fatalf("pay=%s: want KEY:COINS", p)
		}
		opts = append(opts, Pay(key, units))
	}
	if k, ok := r.arg("change"); ok {
		opts = append(opts, ChangeTo(k))
	}
	if n, ok := r.intArg("fee"); ok {
		opts = append(opts, Fee(n))
	}
	if k, ok := r.arg("sign-with"); ok {
		opts = append(opts, SignWith(k))
	}
	if r.flag("bad-sig") {
		opts = append(opts, CorruptSignature())
	}
	tx := r.h.NewTx(name, opts...)
	var outs []string
	for _, o := range tx.Outputs {
		outs = append(outs, fmt.Sprintf("%s:%s", r.h.KeyName(o.Address), chain.FormatAmount(o.Amount)))
	}
	return fmt.Sprintf("%s: %d inputs, pays %s, fee %s", name, len(tx.Inputs), strings.Join(outs, " "), chain.FormatAmount(r.h.fee(tx)))
}

func (r *runner) invalidate() string {
	name := r.name()
	hash := r.h.Block(name).Hash()
	var res *consensus.Result
	var err error
	if r.d.Cmd == "invalidate" {
		res, err = r.h.Engine.InvalidateBlock(hash)
	} else {
		res, err = r.h.Engine.ReconsiderBlock(hash)
	}
	var re *consensus.RuleError
	if err != nil && !errors.As(err, &re) {
		r.fatalf("%s %s: %v", r.d.Cmd, name, err)
	}
	tip := r.h.Engine.Tip()
	out := fmt.Sprintf("%s %s: tip %s height=%d", r.d.Cmd, name, r.h.BlockName(tip.Hash), tip.Height)
	if moves := r.h.formatReorg(res); moves != "" {
		out += " reorg: " + moves
	}
	return out
}

func (r *runner) clock() string {
	if r.flag("follow") {
		r.h.SetClock(time.Time{})
		return "clock: follows the blocks built"
	}
	s, ok := r.arg("now")
	if !ok {
		r.fatalf("clock needs now=UNIX, now=+S or follow")
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		r.fatalf("clock now=%s: %v", s, err)
	}
	if strings.HasPrefix(s, "+") {
		n += r.h.Now().Unix()
	}
	r.h.SetClock(time.Unix(n, 0))
	return fmt.Sprintf("clock: %d", n)
}

func (r *runner) tips() string {
	var lines []string
	for _, tip := range r.h.Engine.ChainTips() {
		lines = append(lines, fmt.Sprintf("height=%d %s branchlen=%d %s", tip.Height, r.h.BlockName(tip.Hash), tip.BranchLen, tip.Status))
	}
	return strings.Join(lines, "\n")
}

func (r *runner) utxos() string {
	keys := r.positional()
	if len(keys) == 0 {
		var out []string
		err := r.h.store.ForEachUTXO(func(o store.Output) error {
			out = append(out, r.h.formatUTXO(o))
			return nil
		})
		if err != nil {
			r.fatalf("utxos: %v", err)
		}
		slices.Sort(out)
		return strings.Join(out, "\n")
	}
	var out []string
	for _, k := range keys {
		for _, o := range r.h.UTXOs(k) {
			out = append(out, r.h.formatUTXO(o))
		}
	}
	slices.Sort(out)
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, "\n")
}

func (r *runner) utxoDigest() string {
	digest := sha256.New()
	count := 0
	err := r.h.store.ForEachUTXO(func(o store.Output) error {
		count++
		fmt.Fprintf(digest, "%s:%d %d %x %d %v\n", o.OutPoint.TxID, o.OutPoint.Index, o.UTXO.Amount, o.UTXO.Address[:], o.UTXO.Height, o.UTXO.Coinbase)
		return nil
	})
	if err != nil {
		r.fatalf("utxo-digest: %v", err)
	}
	return fmt.Sprintf("utxos=%d sha256=%x", count, digest.Sum(nil)[:8])
}
