// Package consensustest explores consensus forks in Go tests: it builds named
// blocks on any parent (real proof of work, cheap at the pow limit), with
// chosen transactions signed by named keys, feeds them to a real
// consensus.Engine under a clock the test controls, and asserts the tip, the
// chain tips, UTXOs and balances.
//
// Two ways in:
//
//   - the Harness API, from Go:
//
//     h := consensustest.New(t, consensustest.Options{})
//     h.NewBlock("a1", "genesis")
//     h.NewBlock("b1", "genesis")
//     h.Accept("a1")
//     h.Accept("b1")      // equal work: a1, seen first, stays
//     h.AssertTip("a1")
//
//     (example_test.go has a complete double-spend race on Badger.)
//
//   - scenario files, stories with named blocks and ASCII trees, run by
//     RunScenarios against any store (see scenario.go for the commands and
//     consensus/testdata/scenarios for examples).
//
// The same scenarios run against the in-memory store and the Badger store;
// their transcripts must be identical.
package consensustest
