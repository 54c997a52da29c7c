// Package tap writes the Test Anything Protocol (version 13). It provides the part of the
// API of github.com/mndrix/tap-go (not packaged by Debian) that the runtime-tools
// validation programs call. Written for berth's conformance runner.
package tap

import (
	"encoding/json"
	"fmt"
	"strings"
)

// T counts the tests it has reported; copies made by Todo share the counter.
type T struct {
	count *int
	todo  bool
}

// New returns a writer with no tests reported yet.
func New() *T { return &T{count: new(int)} }

// Header prints the version line and, for a known count, the plan.
func (t *T) Header(count int) {
	fmt.Println("TAP version 13")
	if count > 0 {
		fmt.Printf("1..%d\n", count)
	}
}

// Ok reports one test.
func (t *T) Ok(ok bool, description string) {
	*t.count++
	verdict := "ok"
	if !ok {
		verdict = "not ok"
	}
	directive := ""
	if t.todo {
		directive = " # TODO"
	}
	fmt.Printf("%s %d - %s%s\n", verdict, *t.count, description, directive)
}

// Pass and Fail are Ok with a fixed verdict.
func (t *T) Pass(description string) { t.Ok(true, description) }
func (t *T) Fail(description string) { t.Ok(false, description) }

// Todo returns a writer whose tests carry the TODO directive.
func (t *T) Todo() *T { return &T{count: t.count, todo: true} }

// Skip reports count skipped tests.
func (t *T) Skip(count int, description string) {
	for i := 0; i < count; i++ {
		*t.count++
		fmt.Printf("ok %d # SKIP %s\n", *t.count, description)
	}
}

// Diagnostic prints a comment line per line of message.
func (t *T) Diagnostic(message string) {
	for _, line := range strings.Split(message, "\n") {
		fmt.Println("# " + line)
	}
}

// Diagnosticf formats, then prints as Diagnostic.
func (t *T) Diagnosticf(format string, a ...interface{}) { t.Diagnostic(fmt.Sprintf(format, a...)) }

// YAML prints a YAML block for the last test; JSON is YAML, so it is written as JSON.
func (t *T) YAML(v interface{}) error {
	text, err := json.MarshalIndent(v, "  ", "  ")
	if err != nil {
		return err
	}
	fmt.Printf("  ---\n  %s\n  ...\n", text)
	return nil
}

// AutoPlan prints the plan from the number of tests reported.
func (t *T) AutoPlan() { fmt.Printf("1..%d\n", *t.count) }
