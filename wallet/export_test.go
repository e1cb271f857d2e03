package wallet

// Tests use a cheap scrypt: the cost parameters are stored in the file, so
// the code path is the same.
func init() { defaultKDF.N = 1 << 10 }

// ParseCoins exposes parseCoins.
var ParseCoins = parseCoins

// SetBeforeRenameHook sets the hook that runs before a wallet file write is
// committed; it returns a function restoring the previous hook.
func SetBeforeRenameHook(f func(tmp string) error) (restore func()) {
	old := testHookBeforeRename
	testHookBeforeRename = f
	return func() { testHookBeforeRename = old }
}
