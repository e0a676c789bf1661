package core

import "testing"

func TestCursorRoundTripAndRefusal(t *testing.T) {
	type pos struct {
		Name string `json:"n"`
		ID   string `json:"i"`
	}
	var got pos
	if err := DecodeCursor(EncodeCursor(pos{"Åkesson AB", "cus_1"}), &got); err != nil || got != (pos{"Åkesson AB", "cus_1"}) {
		t.Fatalf("round trip: %+v %v", got, err)
	}
	for _, bad := range []string{"not base64!", "bm90IGpzb24", ""} {
		if err := DecodeCursor(bad, &got); Code(err) != CodeInvalid || AsError(err).Fields[0].Field != "cursor" {
			t.Errorf("%q: %v, want invalid naming cursor", bad, err)
		}
	}
}
