// Package miner builds block templates and searches them for proof of work.
//
// It has three layers:
//
//   - Template assembly ([NewBlock], [SetExtraNonce], [ExtraNonce]): pure
//     functions that turn what the node knows (parent, height, bits, median
//     time past, mempool transactions and their fees, the clock reading) into
//     a block whose coinbase pays the subsidy plus fees. They read no clock.
//
//   - The nonce search ([Solve], [MineOne]): Bitcoin's double SHA-256 over
//     the 80-byte header using crypto/sha256 only. The first 64 header bytes
//     are hashed once per template and the SHA-256 state is saved with the
//     digest's MarshalBinary; each nonce restores that midstate into a reused
//     digest, writes the last 16 header bytes, and hashes the 32-byte result
//     once more. The hash is compared with the target as 256-bit little-endian
//     words, so the loop does no allocation and no big.Int arithmetic.
//
//   - The [Miner]: a coordinator goroutine that fetches templates from a
//     [Source] (the node) and worker goroutines that split the nonce space
//     (worker i of n tries nonces i, i+n, i+2n, ...), bump the coinbase's
//     extra nonce when their share runs out, and hand solved blocks back
//     through [Source.SubmitBlock]. [Miner.Notify] retires the current
//     template at once (a generation counter the workers check every few
//     thousand nonces); templates are also refreshed every few seconds so the
//     timestamp and transactions stay current.
//
// The coinbase's 96 bytes of free data begin with the extra nonce as 8
// little-endian bytes; the miner owns those 8 bytes and leaves the rest alone.
package miner
