package wallet_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
	"github.com/devchain/devchain/rpcclient"
	"github.com/devchain/devchain/wallet"
	"github.com/devchain/devchain/wallet/wallettest"
)

// setup starts a fake node and creates a wallet for its chain.
func setup(t *testing.T) (*wallettest.Node, *rpcclient.Client, *wallet.Wallet, string) {
	t.Helper()
	node := wallettest.NewNode(t, "dev")
	client := node.Client()
	w, first, err := wallet.CreateForNode(context.Background(), client, filepath.Join(t.TempDir(), "w.json"), nil)
	if err != nil {
		t.Fatal(err)
	}
	return node, client, w, first
}

// otherAddress is an address of the node's chain that the wallet does not
// own.
func otherAddress(t *testing.T, prefix string) string {
	t.Helper()
	_, addr, err := wallet.Create(filepath.Join(t.TempDir(), "other.json"), prefix, nil)
	if err != nil {
		t.Fatal(err)
	}
	return addr
}

// verifyTx checks tx as the chain would: sanity, inputs (maturity, keys,
// amounts) and signatures for the node's genesis hash. It returns the fee.
func verifyTx(t *testing.T, node *wallettest.Node, tx *chain.Transaction) int64 {
	t.Helper()
	if err := consensus.CheckTransactionSanity(tx, node.Params); err != nil {
		t.Fatalf("sanity: %v", err)
	}
	spent, err := node.SpentUTXOs(tx)
	if err != nil {
		t.Fatal(err)
	}
	if err := consensus.VerifySignatures(tx, spent, node.GenesisHash()); err != nil {
		t.Fatalf("signatures: %v", err)
	}
	var wrong chain.Hash
	wrong[0] = 1
	if err := consensus.VerifySignatures(tx, spent, wrong); err == nil {
		t.Fatal("signatures verify for another chain's genesis hash")
	}
	fee, err := consensus.CheckTransactionInputs(tx, uint32(node.Height()+1), spent, node.Params)
	if err != nil {
		t.Fatalf("inputs: %v", err)
	}
	return fee
}

func TestSendValidTransaction(t *testing.T) {
	ctx := context.Background()
	node, client, w, first := setup(t)
	funding := node.Fund(t, first, 50*coin)
	to := otherAddress(t, "dev")

	res, err := wallet.Send(ctx, client, w, to, 12*coin+34, 2)
	if err != nil {
		t.Fatal(err)
	}
	acc := node.Accepted()
	if len(acc) != 1 || acc[0].TxID() != res.TxID {
		t.Fatalf("node accepted %v, want %s", acc, res.TxID)
	}
	tx := acc[0]
	fee := verifyTx(t, node, tx)
	if fee != res.Fee || fee < 2*int64(tx.SerializeSize()) || tx.SerializeSize() != res.Size {
		t.Errorf("fee %d (result %d) for %d bytes at 2 units/byte", fee, res.Fee, tx.SerializeSize())
	}
	if len(tx.Inputs) != 1 || tx.Inputs[0].PrevOut != funding {
		t.Errorf("inputs %v, want the funding output", tx.Inputs)
	}
	toAddr, _ := chain.DecodeAddress(to, "dev")
	if len(tx.Outputs) != 2 || tx.Outputs[0].Address != toAddr || tx.Outputs[0].Amount != 12*coin+34 {
		t.Fatalf("outputs %+v", tx.Outputs)
	}
	if res.ChangeAddress == "" || tx.Outputs[1].Amount != res.Change || res.Change != 50*coin-12*coin-34-res.Fee {
		t.Errorf("change %d to %q", res.Change, res.ChangeAddress)
	}
	if changeAddr, _ := chain.DecodeAddress(res.ChangeAddress, "dev"); tx.Outputs[1].Address != changeAddr {
		t.Error("change output does not pay the change address")
	}
	infos := w.AddressInfos()
	if len(infos) != 2 || !infos[1].Change || infos[1].Address != res.ChangeAddress || infos[1].Index != 1 {
		t.Errorf("addresses after send: %+v", infos)
	}
	// The pending spend is on disk.
	w2, err := wallet.Open(w.Path(), nil)
	if err != nil {
		t.Fatal(err)
	}
	pending := w2.Pending()
	if len(pending) != 1 || pending[0].TxID != res.TxID || !slices.Equal(pending[0].Spends, []chain.OutPoint{funding}) {
		t.Errorf("pending on disk: %+v", pending)
	}
}

// Two sends before a confirmation do not spend the same coin, even from a
// node whose listunspent still lists the first send's input.
func TestPendingSpendsNotReused(t *testing.T) {
	ctx := context.Background()
	node, client, w, first := setup(t)
	a := node.Fund(t, first, 10*coin)
	b := node.Fund(t, first, 10*coin)
	node.SetStaleListUnspent(true)
	to := otherAddress(t, "dev")

	r1, err := wallet.Send(ctx, client, w, to, 3*coin, 2)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := wallet.Send(ctx, client, w, to, 3*coin, 2)
	if err != nil {
		t.Fatalf("second send: %v", err)
	}
	in1, in2 := r1.Tx.Inputs[0].PrevOut, r2.Tx.Inputs[0].PrevOut
	if in1 == in2 || !slices.Contains([]chain.OutPoint{a, b}, in1) || !slices.Contains([]chain.OutPoint{a, b}, in2) {
		t.Fatalf("sends spent %v and %v, want one each of %v %v", in1, in2, a, b)
	}
	// No confirmed coin is left: the third send spends the wallet's own
	// unconfirmed change.
	r3, err := wallet.Send(ctx, client, w, to, 8*coin, 2)
	if err != nil {
		t.Fatalf("third send: %v", err)
	}
	for _, in := range r3.Tx.Inputs {
		if in.PrevOut.TxID != r1.TxID && in.PrevOut.TxID != r2.TxID {
			t.Errorf("third send spends %v, want change of the first two", in.PrevOut)
		}
	}
	if n := len(node.Accepted()); n != 3 {
		t.Errorf("node accepted %d transactions, want 3", n)
	}
	for _, tx := range node.Accepted() {
		verifyTx(t, node, tx)
	}
	if got := len(w.Pending()); got != 3 {
		t.Errorf("%d pending, want 3", got)
	}
	// Not enough left for another: the error says how much there is.
	_, err = wallet.Send(ctx, client, w, to, 7*coin, 2)
	var ife *wallet.InsufficientFundsError
	if !errors.As(err, &ife) || ife.Have != r3.Change {
		t.Errorf("fourth send: %v, want insufficient funds with have = %d", err, r3.Change)
	}

	// Confirmation ends the record.
	node.Mine(1)
	report, err := wallet.Sync(ctx, client, w)
	if err != nil {
		t.Fatal(err)
	}
	if len(report.Confirmed) != 3 || len(w.Pending()) != 0 {
		t.Errorf("after mining: report %+v, pending %v", report, w.Pending())
	}
}

// A pending transaction the node does not know (not relayed to it yet, or
// lost in a restart) is submitted again and stays pending; its coins are
// not spent twice.
func TestUnknownPendingRebroadcast(t *testing.T) {
	ctx := context.Background()
	node, client, w, first := setup(t)
	node.Fund(t, first, 10*coin)
	to := otherAddress(t, "dev")
	r1, err := wallet.Send(ctx, client, w, to, coin, 2)
	if err != nil {
		t.Fatal(err)
	}
	node.DropMempool()
	report, err := wallet.Sync(ctx, client, w)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(report.Rebroadcast, []chain.Hash{r1.TxID}) || len(report.Vanished) != 0 || len(w.Pending()) != 1 {
		t.Fatalf("report %+v, pending %v", report, w.Pending())
	}
	if !slices.Contains(node.Mempool(), r1.TxID) {
		t.Fatal("the rebroadcast transaction is not in the node's mempool")
	}
}

// A pending transaction that the node neither knows nor takes back (its
// coins were spent otherwise) is forgotten, and its coins are spent again.
func TestVanishedPendingReleased(t *testing.T) {
	ctx := context.Background()
	node, client, w, first := setup(t)
	funding := node.Fund(t, first, 10*coin)
	to := otherAddress(t, "dev")
	r1, err := wallet.Send(ctx, client, w, to, coin, 2)
	if err != nil {
		t.Fatal(err)
	}
	node.DropMempool()
	node.FailSends(&rpcclient.Error{Code: rpcclient.CodeVerifyRejected, Message: "txn-mempool-conflict"})
	report, err := wallet.Sync(ctx, client, w)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(report.Vanished, []chain.Hash{r1.TxID}) || len(w.Pending()) != 0 {
		t.Fatalf("report %+v, pending %v", report, w.Pending())
	}
	node.FailSends(nil)
	r2, err := wallet.Send(ctx, client, w, to, 2*coin, 2)
	if err != nil {
		t.Fatal(err)
	}
	if r2.Tx.Inputs[0].PrevOut != funding {
		t.Errorf("resend spends %v, want %v", r2.Tx.Inputs[0].PrevOut, funding)
	}
}

// A rejected transaction leaves no trace: no pending record, no change
// address, the file as before.
func TestSendRejectedRollsBack(t *testing.T) {
	ctx := context.Background()
	node, client, w, first := setup(t)
	node.Fund(t, first, 10*coin)
	node.FailSends(&rpcclient.Error{Code: rpcclient.CodeVerifyRejected, Message: "min relay fee not met"})
	_, err := wallet.Send(ctx, client, w, otherAddress(t, "dev"), coin, 2)
	if !errors.Is(err, wallet.ErrRejected) {
		t.Fatalf("err = %v, want ErrRejected", err)
	}
	if len(w.Pending()) != 0 || len(w.Addresses()) != 1 {
		t.Errorf("after rejection: pending %v, addresses %v", w.Pending(), w.Addresses())
	}
	w2, err := wallet.Open(w.Path(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(w2.Pending()) != 0 || len(w2.Addresses()) != 1 {
		t.Errorf("on disk: pending %v, addresses %v", w2.Pending(), w2.Addresses())
	}
}

// Bad input is refused before anything reaches the node.
func TestSendBadInputSendsNothing(t *testing.T) {
	ctx := context.Background()
	node, client, w, first := setup(t)
	node.Fund(t, first, 10*coin)
	to := otherAddress(t, "dev")
	toAddr, _ := chain.DecodeAddress(to, "dev")
	tests := []struct {
		name    string
		to      string
		amount  int64
		feeRate int64
		want    error
	}{
		{"zero amount", to, 0, 2, wallet.ErrInvalidAmount},
		{"negative amount", to, -1, 2, wallet.ErrInvalidAmount},
		{"fee rate 0", to, coin, 0, wallet.ErrInvalidFeeRate},
		{"wrong prefix", toAddr.Encode("tdev"), coin, 2, chain.ErrAddressPrefix},
		{"bad address", "dev1notanaddress", coin, 2, chain.ErrAddressEncoding},
		{"over balance", to, 10 * coin, 2, wallet.ErrInsufficientFunds},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := wallet.Send(ctx, client, w, tc.to, tc.amount, tc.feeRate); !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
		})
	}
	if n := node.Calls("sendrawtransaction"); n != 0 {
		t.Errorf("%d sendrawtransaction calls", n)
	}
	if len(w.Pending()) != 0 || len(w.Addresses()) != 1 {
		t.Errorf("wallet changed: pending %v, addresses %v", w.Pending(), w.Addresses())
	}
}

func TestImmatureCoinbaseNotSpent(t *testing.T) {
	ctx := context.Background()
	node, client, w, first := setup(t)
	node.FundCoinbase(t, first, 50*coin)
	to := otherAddress(t, "dev")
	_, err := wallet.Send(ctx, client, w, to, coin, 2)
	var ife *wallet.InsufficientFundsError
	if !errors.As(err, &ife) || ife.Have != 0 || ife.Immature != 50*coin {
		t.Fatalf("err = %v, want insufficient funds with 50 immature", err)
	}
	b, err := wallet.GetBalance(ctx, client, w)
	if err != nil {
		t.Fatal(err)
	}
	if b.Total.Immature != 50*coin || b.Total.Confirmed != 0 || b.Spendable != 0 {
		t.Errorf("balance %+v", b.Total)
	}
	node.Mine(wallettest.CoinbaseMaturity - 1)
	res, err := wallet.Send(ctx, client, w, to, coin, 2)
	if err != nil {
		t.Fatalf("send after maturity: %v", err)
	}
	verifyTx(t, node, res.Tx)
}

func TestBalanceAndHistory(t *testing.T) {
	ctx := context.Background()
	node, client, w, first := setup(t)
	second, err := w.NewAddress()
	if err != nil {
		t.Fatal(err)
	}
	node.Fund(t, first, 5*coin)
	node.FundCoinbase(t, second, 50*coin)
	// Another wallet pays 3 coins to first; it stays unconfirmed.
	ow, owFirst, err := wallet.CreateForNode(ctx, client, filepath.Join(t.TempDir(), "o.json"), nil)
	if err != nil {
		t.Fatal(err)
	}
	node.Fund(t, owFirst, 20*coin)
	incoming, err := wallet.Send(ctx, client, ow, first, 3*coin, 2)
	if err != nil {
		t.Fatal(err)
	}

	b, err := wallet.GetBalance(ctx, client, w)
	if err != nil {
		t.Fatal(err)
	}
	want := []wallet.AddressBalance{
		{AddressInfo: wallet.AddressInfo{Index: 0, Address: first}, Confirmed: 5 * coin, Unconfirmed: 3 * coin},
		{AddressInfo: wallet.AddressInfo{Index: 1, Address: second}, Immature: 50 * coin},
	}
	if !slices.Equal(b.Addresses, want) || b.Spendable != 5*coin ||
		b.Total.Confirmed != 5*coin || b.Total.Unconfirmed != 3*coin || b.Total.Immature != 50*coin {
		t.Fatalf("balance before sending:\n%+v\nwant %+v, spendable %d", b, want, b.Spendable)
	}

	// Paying 1 coin spends the 5-coin output; its change is unconfirmed
	// but spendable, the unconfirmed incoming payment is not.
	sent, err := wallet.Send(ctx, client, w, owFirst, coin, 2)
	if err != nil {
		t.Fatal(err)
	}
	b, err = wallet.GetBalance(ctx, client, w)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Addresses) != 3 || b.Addresses[0].Confirmed != 0 || b.Addresses[0].Unconfirmed != 3*coin ||
		!b.Addresses[2].Change || b.Addresses[2].Unconfirmed != sent.Change {
		t.Errorf("balance after sending: %+v", b.Addresses)
	}
	if b.Spendable != sent.Change || b.Total.Unconfirmed != 3*coin+sent.Change || b.Total.Confirmed != 0 {
		t.Errorf("totals after sending: %+v, spendable %d", b.Total, b.Spendable)
	}

	h, err := wallet.History(ctx, client, w)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		height  int64
		net     int64
		pending bool
	}
	var got []row
	for _, e := range h {
		got = append(got, row{e.Height, e.Net, e.Pending()})
	}
	wantRows := []row{
		{1, 5 * coin, false},
		{2, 50 * coin, false},
		{-1, 3 * coin, true},
		{-1, -(coin + sent.Fee), true},
	}
	if !slices.Equal(got, wantRows) {
		t.Errorf("history %+v, want %+v", got, wantRows)
	}
	if h[2].TxID != incoming.TxID || h[3].TxID != sent.TxID {
		t.Errorf("pending txids %s %s", h[2].TxID, h[3].TxID)
	}
	if h[3].Received != sent.Change || h[3].Sent != 5*coin {
		t.Errorf("send entry: received %d sent %d", h[3].Received, h[3].Sent)
	}

	node.Mine(1)
	h, err = wallet.History(ctx, client, w)
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 4 || h[3].Pending() || h[3].Height != 4 || h[3].Confirmations != 1 || h[0].Confirmations != 4 {
		t.Errorf("history after mining: %+v", h)
	}
}

// Sends from several goroutines on one *Wallet spend distinct coins.
func TestConcurrentSends(t *testing.T) {
	ctx := context.Background()
	node, client, w, first := setup(t)
	for range 4 {
		node.Fund(t, first, 2*coin)
	}
	node.SetStaleListUnspent(true)
	to := otherAddress(t, "dev")
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range 4 {
		wg.Go(func() {
			_, errs[i] = wallet.Send(ctx, client, w, to, coin, 2)
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	seen := map[chain.OutPoint]bool{}
	for _, tx := range node.Accepted() {
		for _, in := range tx.Inputs {
			if seen[in.PrevOut] {
				t.Errorf("%v spent twice", in.PrevOut)
			}
			seen[in.PrevOut] = true
		}
	}
	if len(node.Accepted()) != 4 || len(w.Pending()) != 4 {
		t.Errorf("accepted %d, pending %d", len(node.Accepted()), len(w.Pending()))
	}
}
