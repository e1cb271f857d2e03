package consensus

import "fmt"

// CheckMedianTimes compares, for every block in the index, the median time
// past read from the main chain's timestamps with the one walked through
// the block's parents.
func (e *Engine) CheckMedianTimes() error {
	if len(e.mainTimes) != len(e.main) {
		return fmt.Errorf("%d main-chain timestamps for %d blocks", len(e.mainTimes), len(e.main))
	}
	var err error
	e.index.each(func(n *blockNode) {
		if fast, slow := e.medianTimePast(n), n.medianTimePast(); fast != slow && err == nil {
			err = fmt.Errorf("block %s at height %d: median time past %d, walked %d", n.hash, n.height, fast, slow)
		}
	})
	return err
}
