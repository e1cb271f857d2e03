// Package node wires a full node together: the consensus engine on a
// Badger datadir, the mempool, the miner, the libp2p host and the JSON-RPC
// server (package rpcserver, which sees the node through rpc.go's adapter).
//
// Everything that changes the chain goes through the protocol core
// (package protocol), under the node's lock: a block or transaction from a
// peer (the p2p driver calls Node.Step), from the miner, or from RPC
// (processBlock, acceptTx, changeChain) is given to the core with the
// current time; the core hands it to the engine and the mempool and
// decides what follows. The node carries out what concerns itself
// (TipChanged: the miner needs a new template; TxsAccepted: the mempool
// file) and hands the network's actions to the driver.
//
//	peers ──gossip/sync──▶ p2p.Host ──Step─┐
//	miner ──solved block───────────────────┼─▶ protocol.Core ─▶ consensus.Engine ─▶ store (Badger)
//	RPC submitblock/generate/sendraw... ───┘        │
//	                                                └─▶ mempool, actions: send, publish, ban, tip changed
//
// Queries (RPC reads, sync answers, block templates) take the lock shared,
// so they run side by side but never see a half-applied block.
package node
