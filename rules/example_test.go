package rules_test

import (
	"fmt"

	"github.com/gancho-app/gancho/rules"
)

func ExampleSet_Match() {
	rs, err := rules.Parse(`
# Stripe retries on 5xx: fail three times, then accept.
POST /stripe/** -> 503 x3 then 200
*    **         -> 202 body='{"ok":true,"id":"{{id}}"}'
`)
	if err != nil {
		fmt.Println(err)
		return
	}
	set := rules.NewSet(rs)
	for range 5 {
		a, _ := set.Match("POST", "/stripe/events")
		fmt.Println(a.Describe())
	}
	a, _ := set.Match("GET", "/other")
	fmt.Println(a.Label, a.Step.Headers, string(rules.Render(a.Step.Body, "01JABC")))
	// Output:
	// rule 1 → 503 (1 of 4)
	// rule 1 → 503 (2 of 4)
	// rule 1 → 503 (3 of 4)
	// rule 1 → 200 (4 of 4)
	// rule 1 → 200 (4 of 4)
	// rule 2 (* **): 202 [[Content-Type application/json]] {"ok":true,"id":"01JABC"}
}

func ExampleParseRule() {
	_, err := rules.ParseRule("POST /hooks -> 503 x0")
	fmt.Println(err)
	// Output:
	// column 20: repeat count must be at least 1, like x3
}

func ExampleFormat() {
	rs, _ := rules.Parse("post,put  /orders/*   →   429 RETRY-AFTER=5 x2 THEN 200 Loop")
	fmt.Print(rules.Format(rs))
	// Output:
	// POST,PUT /orders/* -> 429 x2 retry-after=5 then 200 loop
}
