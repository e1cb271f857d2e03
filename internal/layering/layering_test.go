// Package layering holds the test that keeps the project's layers apart:
// the rules and the protocol core stay pure, and dependencies point one way,
// cmd -> drivers -> protocol core / mempool / miner -> consensus -> chain.
package layering

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/devchain/devchain/"

// pureLayers must never depend, even indirectly, on libp2p, Badger or the
// network: they are driven by libp2p in a node and by a simulated network in
// the fork laboratory.
var pureLayers = []string{"consensus", "protocol", "mempool", "miner"}

// mayImport lists, for each layer, the project packages it may import
// directly. A package's own subpackages are its own, unless they are listed
// as layers of their own. Drivers and commands are not listed: they sit on
// top of everything.
var mayImport = map[string][]string{
	"chain":                       {},
	"consensus/store":             {"chain"},
	"consensus/store/badgerstore": {"chain", "consensus/store"},
	"consensus":                   {"chain", "consensus/store", "consensus/sigverify"},
	"mempool":                     {"chain", "consensus", "consensus/store"},
	"miner":                       {"chain", "consensus"},
	"protocol":                    {"chain", "consensus", "consensus/store", "mempool"},
	"jsonrpc":                     {},
	"events":                      {},
	"rpcclient":                   {"chain", "jsonrpc", "events"},
	"wallet":                      {"chain", "rpcclient", "jsonrpc", "events"},
}

func forbidden(pkg string) (why string, ok bool) {
	switch {
	case strings.HasPrefix(pkg, "github.com/libp2p/"), strings.HasPrefix(pkg, "github.com/multiformats/"):
		return "libp2p", true
	case strings.HasPrefix(pkg, "github.com/dgraph-io/badger"):
		return "badger", true
	case pkg == "net" || strings.HasPrefix(pkg, "net/"):
		return "net", true
	}
	return "", false
}

// goList runs `go list` and returns its lines.
func goList(t *testing.T, args ...string) []string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	cmd := exec.Command(goTool, append([]string{"list"}, args...)...)
	cmd.Env = append(cmd.Environ(), "GOTOOLCHAIN=local")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %s: %v", strings.Join(args, " "), err)
	}
	return strings.Split(strings.TrimSpace(string(out)), "\n")
}

// TestPureLayers: `go list -deps` of consensus, the protocol core, the
// mempool and the miner holds no libp2p, no Badger and no net.
func TestPureLayers(t *testing.T) {
	for _, layer := range pureLayers {
		t.Run(layer, func(t *testing.T) {
			for _, pkg := range goList(t, "-deps", module+layer) {
				if why, bad := forbidden(pkg); bad {
					t.Errorf("%s depends on %s (%s)", layer, pkg, why)
				}
			}
		})
	}
}

// TestDependenciesPointOneWay: every listed layer imports only the project
// packages below it, so that no lower layer reaches up into a driver or the
// node.
func TestDependenciesPointOneWay(t *testing.T) {
	for _, line := range goList(t, "-f", `{{.ImportPath}} {{join .Imports ","}}`, module+"...") {
		pkg, imports, _ := strings.Cut(line, " ")
		rel := strings.TrimPrefix(pkg, module)
		allowed, listed := mayImport[rel]
		if !listed {
			continue
		}
		for _, imp := range strings.Split(imports, ",") {
			dep, ours := strings.CutPrefix(imp, module)
			_, depListed := mayImport[dep]
			if !ours || dep == rel || strings.HasPrefix(dep, rel+"/") && !depListed {
				continue
			}
			if !slices.Contains(allowed, dep) {
				t.Errorf("%s imports %s: the layers point one way (cmd -> drivers -> protocol / mempool / miner -> consensus -> chain)", rel, dep)
			}
		}
	}
}
