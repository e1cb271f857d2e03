// Package node wires a full node together: the consensus engine on a
// Badger datadir, the mempool, the miner, the libp2p host and the JSON-RPC
// server (package rpcserver, which sees the node through rpc.go's adapter).
//
// Everything that changes the chain goes through one path, under the
// node's lock: a block from a peer (gossip or sync), from the miner, or
// from submitblock is given to the engine with the current time; the
// engine's result (blocks disconnected and connected) is given to the
// mempool, which drops confirmed and conflicting transactions and takes
// back those of disconnected blocks; then the miner is told about the new
// tip and, for a block of local origin, the block is gossiped.
//
//	peers ──gossip/sync──▶ p2p.Host ─┐
//	miner ──solved block─────────────┼─▶ Node.processBlock ─▶ consensus.Engine ─▶ store (Badger)
//	RPC submitblock/generate ────────┘            │
//	                                              └─▶ mempool.BlocksChanged, miner.Notify, gossip
//
// Queries (RPC reads, sync answers, block templates) take the lock shared,
// so they run side by side but never see a half-applied block.
package node
