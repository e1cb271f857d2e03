package protocol

import "fmt"

// serveHeaders answers GetHeaders from the active chain.
func (c *Core) serveHeaders(from PeerID, m GetHeaders) {
	if len(m.Locator) == 0 || len(m.Locator) > MaxLocatorHashes {
		c.penalise(from, PointsBadRequest, fmt.Sprintf("get-headers with %d locator hashes", len(m.Locator)))
		return
	}
	limit := m.Max
	if limit <= 0 || limit > MaxHeadersPerMsg {
		limit = MaxHeadersPerMsg
	}
	headers := c.engine.HeadersAfter(m.Locator, limit)
	if len(c.private) > 0 {
		for i := range headers {
			if c.Private(headers[i].Hash()) {
				headers = headers[:i] // the rest descends from a withheld block
				break
			}
		}
	}
	c.send(from, Headers{ID: m.ID, Headers: headers})
}

// serveBlocks answers GetBlocks with the blocks asked for, up to the first
// this node lacks (or cannot read back intact).
func (c *Core) serveBlocks(from PeerID, m GetBlocks) {
	if len(m.Hashes) == 0 || len(m.Hashes) > MaxBlocksPerMsg {
		c.penalise(from, PointsBadRequest, fmt.Sprintf("get-blocks with %d hashes", len(m.Hashes)))
		return
	}
	out := Blocks{ID: m.ID}
	for _, h := range m.Hashes {
		if c.Private(h) {
			break // withheld: as if lacking
		}
		b, err := c.engine.Block(h)
		if err != nil {
			break
		}
		out.Blocks = append(out.Blocks, b)
	}
	c.send(from, out)
}
