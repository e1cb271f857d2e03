package consensus

import "fmt"

// CheckMedianTimes compares, for every block in the index, the median time
// past read from the main chain's timestamps with the one walked through
// the block's parents.
func (e *Engine) CheckMedianTimes() error {
	if len(e.mainTimes) != len(e.main) {
		return fmt.Errorf("%d main-chain timestamps for %d blocks", len(e.mainTimes), len(e.main))
	}
	for hash, n := range e.index {
		if fast, slow := e.medianTimePast(n), n.medianTimePast(); fast != slow {
			return fmt.Errorf("block %s at height %d: median time past %d, walked %d", hash, n.height, fast, slow)
		}
	}
	return nil
}
