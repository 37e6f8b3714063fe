package routes

import "testing"

func TestScheduleFor(t *testing.T) {
	tests := []struct {
		resources []string
		want      string // "" means not found
	}{
		{[]string{"arn:aws:events:eu-west-1:123456789012:rule/resync-prod-health-deep"}, "health-deep"},
		{[]string{"arn:aws:events:us-east-1:000000000000:rule/plan-monitor"}, "plan-monitor"},
		{[]string{"arn:aws:events:us-east-1:000000000000:rule/my-bus/resync-dev-topology-sync"}, "topology-sync"},
		{[]string{"arn:aws:events:us-east-1:000000000000:rule/resync-prod-healthdeep"}, ""},
		{[]string{"arn:aws:s3:::bucket"}, ""},
		{nil, ""},
	}
	for _, tt := range tests {
		s, ok := ScheduleFor(tt.resources)
		if got := s.Name; got != tt.want || ok != (tt.want != "") {
			t.Errorf("ScheduleFor(%v) = %q, %v; want %q", tt.resources, got, ok, tt.want)
		}
	}
}
