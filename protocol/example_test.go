package protocol_test

import (
	"fmt"
	"time"

	"github.com/devchain/devchain/chain"
	"github.com/devchain/devchain/consensus"
	"github.com/devchain/devchain/consensus/consensustest"
	"github.com/devchain/devchain/consensus/store"
	"github.com/devchain/devchain/mempool"
	"github.com/devchain/devchain/miner"
	"github.com/devchain/devchain/protocol"
)

// envelope is a message on its way between two cores.
type envelope struct {
	from, to protocol.PeerID
	msg      protocol.Message
}

// Example drives two cores against each other with no network: a FIFO of
// messages is the whole driver. Node "a" mines five blocks alone; "b"
// connects and catches up through the status exchange and headers-first
// sync; then a block a mines reaches b by gossip.
func Example() {
	params, err := consensus.NewParams(consensustest.TestGenesis())
	if err != nil {
		panic(err)
	}
	now := time.Unix(int64(params.GenesisBlock.Header.Timestamp), 0)
	newCore := func() *protocol.Core {
		engine, err := consensus.New(consensus.Config{Params: params, Store: store.NewMemory()})
		if err != nil {
			panic(err)
		}
		core, err := protocol.New(protocol.Config{Params: params, Engine: engine,
			Pool: mempool.New(mempool.Config{Params: params})})
		if err != nil {
			panic(err)
		}
		return core
	}
	nodes := map[protocol.PeerID]*protocol.Core{"a": newCore(), "b": newCore()}
	var queue []envelope
	linked := false // a and b are connected
	// carryOut turns a core's actions into deliveries.
	carryOut := func(self protocol.PeerID) {
		for _, a := range nodes[self].Ready() {
			switch a := a.(type) {
			case protocol.Send:
				queue = append(queue, envelope{self, a.To, a.Msg})
			case protocol.Publish:
				for other := range nodes {
					if linked && other != self && other != a.From {
						queue = append(queue, envelope{self, other, a.Msg})
					}
				}
			case protocol.TipChanged:
				fmt.Printf("%s: tip at height %d\n", self, a.Height)
			}
		}
	}
	run := func() {
		for len(queue) > 0 {
			e := queue[0]
			queue = queue[1:]
			now = now.Add(50 * time.Millisecond) // one-way latency
			nodes[e.to].Step(now, protocol.Received{From: e.from, Msg: e.msg})
			carryOut(e.to)
		}
	}
	mine := func(id protocol.PeerID) {
		e := nodes[id].Engine()
		tip := e.Tip()
		bits, _ := e.NextBits(tip.Hash)
		now = now.Add(5 * time.Second)
		b := miner.NewBlock(miner.TemplateInput{Params: params, Parent: tip.Hash, Height: tip.Height + 1,
			Bits: bits, MedianTime: tip.MedianTime, Now: now, PayTo: chain.Address{1}})
		miner.MineOne(b, nil)
		if _, err := nodes[id].SubmitBlock(now, b); err != nil {
			panic(err)
		}
		carryOut(id)
	}
	for range 5 {
		mine("a")
	}
	linked = true
	nodes["a"].Step(now, protocol.PeerConnected{Peer: "b"})
	carryOut("a")
	nodes["b"].Step(now, protocol.PeerConnected{Peer: "a"})
	carryOut("b")
	run()
	mine("a")
	run()
	// Output:
	// a: tip at height 1
	// a: tip at height 2
	// a: tip at height 3
	// a: tip at height 4
	// a: tip at height 5
	// b: tip at height 5
	// a: tip at height 6
	// b: tip at height 6
}
