package chain

// MerkleRoot returns Bitcoin's Merkle root of txids (internal byte order):
// pair-wise double SHA-256, the last hash of an odd level paired with itself.
// The root of no txids is the zero hash; the root of one txid is that txid.
//
// Pairing the odd hash with itself means two different transaction lists can
// share a root (CVE-2012-2459); consensus closes that hole by refusing blocks
// that repeat a txid.
func MerkleRoot(txids []Hash) Hash {
	if len(txids) == 0 {
		return ZeroHash
	}
	level := make([]Hash, len(txids))
	copy(level, txids)
	var pair [2 * HashSize]byte
	for len(level) > 1 {
		if len(level)%2 == 1 {
			level = append(level, level[len(level)-1])
		}
		for i := 0; i < len(level); i += 2 {
			copy(pair[:HashSize], level[i][:])
			copy(pair[HashSize:], level[i+1][:])
			level[i/2] = DoubleSHA256(pair[:])
		}
		level = level[:len(level)/2]
	}
	return level[0]
}
