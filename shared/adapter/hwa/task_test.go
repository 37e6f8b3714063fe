package hwa

import "testing"

// TestParseTask reads the task object's keys exactly as HWA spells them:
// other cases are other keys, non-strings and blanks read as absent, and
// malformed objects give no task.
func TestParseTask(t *testing.T) {
	tests := []struct {
		in   string
		want Task
	}{
		{`{"taskType":"UNIX","command":"ls -l","userLogin":"svc"}`, Task{Type: "UNIX", Command: "ls -l", UserLogin: "svc"}},
		{`{"type":"UNIX","scriptName":" /opt/run.sh ","user":"root"}`, Task{Type: "UNIX", Script: "/opt/run.sh", UserLogin: "root"}},
		{`{"taskType":"","type":"WINDOWS"}`, Task{Type: "WINDOWS"}},
		{`{"script":"","scriptName":"s"}`, Task{Script: "s"}},
		{`{"Command":"x"}`, Task{}},
		{`{"TYPE":"UNIX","USER":"root"}`, Task{}},
		{`{"command":"a","Command":"b"}`, Task{Command: "a"}},
		{`{"user":"u","User":""}`, Task{UserLogin: "u"}},
		{`{"scriptname":"s","script":""}`, Task{}},
		{`{"command":42,"script":{"a":1},"userLogin":["x"]}`, Task{}},
		{`{"command":"ok"} trailing`, Task{}},
		{`{"command":`, Task{}},
		{`[]`, Task{}},
		{``, Task{}},
	}
	for _, tt := range tests {
		if got := ParseTask([]byte(tt.in)); got != tt.want {
			t.Errorf("ParseTask(%s) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}
