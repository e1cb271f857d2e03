// Package mempool holds the transactions waiting for a block: it judges each
// one against the active chain and the other waiting transactions, keeps the
// pool within a byte bound, answers the miner with block templates ordered
// by fee rate, and follows the chain through blocks and reorgs.
//
// # A transaction's way in
//
// The node hands Accept a transaction, a view of the active chain (the
// consensus engine, held still under the node's lock) and the time. The
// judgement follows Bitcoin Core's, cheapest checks first:
//
//  1. not already in the pool ("txn-already-in-mempool");
//  2. consensus.CheckTransactionSanity, and no coinbase ("coinbase");
//  3. no larger than MaxTxBytes ("tx-size");
//  4. no input already spent by a pool transaction ("txn-mempool-conflict":
//     first seen wins, nothing is replaced);
//  5. every input resolved, from the chain's UTXO set or from an output of a
//     pool transaction, so chains of unconfirmed transactions are fine. An
//     input that cannot be resolved makes the transaction already confirmed
//     ("txn-already-known"), a spend of an output spent on the chain, or an
//     orphan (both "bad-txns-inputs-missingorspent", told apart by code);
//  6. consensus.CheckTransactionInputs at the next block's height (coinbase
//     maturity, keys, inputs cover outputs), which gives the fee;
//  7. at most MaxAncestors unconfirmed ancestors and MaxDescendants for each
//     of them ("too-long-mempool-chain");
//  8. a fee rate of at least MinFeeRate ("min relay fee not met") and the
//     rolling minimum ("mempool min fee not met");
//  9. room within MaxBytes, or lower-paying transactions to evict for it
//     ("mempool full");
//  10. consensus.VerifySignatures for the chain's genesis.
//
// Every refusal is a *RejectError with a RejectCode saying whose fault it is
// (only RejectInvalid means the sender misbehaved) and Bitcoin Core's reason
// string; consensus failures keep their *consensus.RuleError, so
// errors.Is(err, consensus.ErrBadSignature) holds.
//
// # Orphans
//
// A transaction spending outputs the pool has never seen is kept in a small
// orphan pool (MaxOrphans, MaxOrphanBytes, oldest evicted first, expired
// after OrphanTTL by the times passed in). When a transaction enters the
// pool or a block confirms one, the orphans spending from it are judged
// again, recursively: valid ones enter, ones still missing a parent wait,
// the others are dropped. Accept returns every transaction it added.
//
// An input is "spent", not unknown, when the transaction owning it is known
// to be confirmed: the chain's transaction index holds it, or it was in one
// of the blocks the pool saw connected recently (the last 144 blocks, at
// most 262,144 transactions and spent outputs), or another of its first
// outputs is still unspent.
//
// # Full pool
//
// Each entry carries the fee and size of itself with its in-pool ancestors
// and with its descendants. When a transaction does not fit, the pool evicts
// packages (a transaction with its descendants) of the lowest descendant
// score, max(own fee rate, package fee rate), so a parent whose child pays
// for it is kept. The newcomer's own fee rate must beat every package it
// evicts (its own ancestors are never evicted for it), else it is refused
// with "mempool full" and nothing changes. After an eviction the minimum fee rate rises to
// floor(evicted package rate)+1; once a block has been connected it halves
// every MinFeeHalfLife (faster while the pool is mostly empty) until it is
// back to MinFeeRate.
//
// # Blocks and reorgs
//
// BlocksChanged takes the engine's result (blocks disconnected tip first,
// blocks connected oldest first). Confirmed transactions leave, and so do
// pool transactions double-spending a block's inputs, with their
// descendants. Transactions of disconnected blocks come back, oldest first,
// when they are still valid and not confirmed on the new branch; pool
// transactions built on them are judged again after them; spends of coinbase
// outputs that a lower tip made immature leave. Changes reports what came
// and went, with Bitcoin Core's removal reasons.
//
// # Templates
//
// Template selects transactions by ancestor-package fee rate, Bitcoin Core's
// CPFP-aware algorithm, parents always before children, within a byte
// budget.
//
// # Concurrency and determinism
//
// A Pool is safe for concurrent use (one internal RWMutex); it starts no
// goroutines and reads no clock. Given the same calls with the same times it
// makes the same decisions, in the same order. Logs go to the injected
// slog.Logger with constant messages and snake_case keys.
package mempool
