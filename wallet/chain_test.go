package wallet_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/devchain/devchain/rpcclient"
	"github.com/devchain/devchain/wallet"
	"github.com/devchain/devchain/wallet/wallettest"
)

// A wallet created offline learns its chain's genesis hash from the first
// node it reaches and refuses nodes of other chains ever after.
func TestChainIdentity(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "w.json")
	w, first, err := wallet.Create(path, "dev", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := w.GenesisHash(); ok {
		t.Fatal("offline wallet knows a genesis hash")
	}

	home := wallettest.NewNode(t, "dev")
	if err := wallet.CheckChain(ctx, home.Client(), w); err != nil {
		t.Fatal(err)
	}
	if g, ok := w.GenesisHash(); !ok || g != home.GenesisHash() {
		t.Fatalf("genesis %s %v, want %s", g, ok, home.GenesisHash())
	}
	w2, err := wallet.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if g, ok := w2.GenesisHash(); !ok || g != home.GenesisHash() {
		t.Error("learned genesis hash not saved")
	}

	sameprefix := wallettest.NewChainNode(t, "othernet", "dev")
	sameprefix.Fund(t, first, 10*coin)
	if sameprefix.GenesisHash() == home.GenesisHash() {
		t.Fatal("test chains share a genesis")
	}
	otherprefix := wallettest.NewNode(t, "tdev")
	for name, node := range map[string]*wallettest.Node{"other genesis": sameprefix, "other prefix": otherprefix} {
		t.Run(name, func(t *testing.T) {
			if err := wallet.CheckChain(ctx, node.Client(), w); !errors.Is(err, wallet.ErrChainMismatch) {
				t.Errorf("CheckChain = %v, want ErrChainMismatch", err)
			}
			if _, err := wallet.GetBalance(ctx, node.Client(), w); !errors.Is(err, wallet.ErrChainMismatch) {
				t.Errorf("GetBalance = %v, want ErrChainMismatch", err)
			}
			if _, err := wallet.Send(ctx, node.Client(), w, first, coin, 2); !errors.Is(err, wallet.ErrChainMismatch) {
				t.Errorf("Send = %v, want ErrChainMismatch", err)
			}
			if n := node.Calls("sendrawtransaction") + node.Calls("listunspent"); n != 0 {
				t.Errorf("%d listunspent/sendrawtransaction calls on the wrong chain", n)
			}
		})
	}
	if g, _ := w.GenesisHash(); g != home.GenesisHash() {
		t.Error("a foreign node changed the wallet's genesis")
	}
}

func TestUnreachableNode(t *testing.T) {
	node := wallettest.NewNode(t, "dev")
	w, first, err := wallet.CreateForNode(context.Background(), node.Client(), filepath.Join(t.TempDir(), "w.json"), nil)
	if err != nil {
		t.Fatal(err)
	}
	dead := rpcclient.New("http://127.0.0.1:1/", rpcclient.CookieUser, "x")
	if _, err := wallet.Send(context.Background(), dead, w, first, coin, 2); !errors.Is(err, rpcclient.ErrUnreachable) {
		t.Errorf("Send to a dead node = %v, want ErrUnreachable", err)
	}
	bad := rpcclient.New(node.URL, rpcclient.CookieUser, "wrong")
	if _, err := wallet.GetBalance(context.Background(), bad, w); !errors.Is(err, rpcclient.ErrUnauthorized) {
		t.Errorf("wrong cookie = %v, want ErrUnauthorized", err)
	}
	if len(w.Pending()) != 0 {
		t.Error("failed send left a pending record")
	}
}
