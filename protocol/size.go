package protocol

import "github.com/devchain/devchain/chain"

// Size is a message's size on the wire in bytes (the payload; the
// transport adds its framing): what a simulated network charges against a
// link's bandwidth, without encoding the message.
func Size(m Message) int {
	switch m := m.(type) {
	case NewBlock:
		return m.Block.SerializeSize()
	case NewTx:
		return m.Tx.SerializeSize()
	case GetStatus:
		return 1
	case GetHeaders:
		return 1 + 1 + len(m.Locator)*chain.HashSize + 2
	case GetBlocks:
		return 1 + 2 + len(m.Hashes)*chain.HashSize
	case Status:
		n := 2*chain.HashSize + 4 + 1
		if m.Work != nil {
			n += len(m.Work.Bytes())
		}
		return n
	case Headers:
		return len(m.Headers) * chain.HeaderSize
	case Blocks:
		n := 0
		for _, b := range m.Blocks {
			n += b.SerializeSize()
		}
		return n
	}
	return 0
}
