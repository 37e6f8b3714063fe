package workload

// CommonStatus is HWA's coarse status shared by distributed and z/OS engines
// (vendor enum CommonStatusV2, verbatim).
type CommonStatus string

// The CommonStatusV2 values.
const (
	CommonWaiting           CommonStatus = "WAITING"
	CommonWaitingForTrigger CommonStatus = "WAITING_FOR_TRIGGER"
	CommonReady             CommonStatus = "READY"
	CommonReadyPrevWSNonRep CommonStatus = "READY_PREV_WS_NONREP"
	CommonCompleted         CommonStatus = "COMPLETED"
	CommonSuppressByCond    CommonStatus = "SUPPRESS_BY_COND"
	CommonInterrupted       CommonStatus = "INTERRUPTED"
	CommonDummyCompleted    CommonStatus = "DUMMY_COMPLETED"
	CommonRunning           CommonStatus = "RUNNING"
	CommonSuccessful        CommonStatus = "SUCCESSFUL"
	CommonError             CommonStatus = "ERROR"
	CommonCanceled          CommonStatus = "CANCELED"
	CommonHeld              CommonStatus = "HELD"
	CommonUndecided         CommonStatus = "UNDECIDED"
	CommonBlocked           CommonStatus = "BLOCKED"
	CommonSuppress          CommonStatus = "SUPPRESS"
)

// CommonStatuses lists every CommonStatus in the vendor's order.
func CommonStatuses() []CommonStatus {
	return []CommonStatus{
		CommonWaiting, CommonWaitingForTrigger, CommonReady, CommonReadyPrevWSNonRep,
		CommonCompleted, CommonSuppressByCond, CommonInterrupted, CommonDummyCompleted,
		CommonRunning, CommonSuccessful, CommonError, CommonCanceled, CommonHeld,
		CommonUndecided, CommonBlocked, CommonSuppress,
	}
}

// Valid reports whether s is one of the vendor's values.
func (s CommonStatus) Valid() bool { return contains(CommonStatuses(), s) }

// InternalStatus is the engine's precise state of a job on its workstation
// (vendor enum JobInPlanStatus, verbatim; the conman "State" column).
type InternalStatus string

// The JobInPlanStatus values.
const (
	InternalHold       InternalStatus = "HOLD"
	InternalReady      InternalStatus = "READY"
	InternalFence      InternalStatus = "FENCE"
	InternalIntro      InternalStatus = "INTRO"
	InternalFail       InternalStatus = "FAIL"
	InternalExec       InternalStatus = "EXEC"
	InternalWait       InternalStatus = "WAIT"
	InternalSuppr      InternalStatus = "SUPPR"
	InternalEnd        InternalStatus = "END"
	InternalSucc       InternalStatus = "SUCC"
	InternalSuccP      InternalStatus = "SUCCP"
	InternalAbend      InternalStatus = "ABEND"
	InternalCancl      InternalStatus = "CANCL"
	InternalCanclP     InternalStatus = "CANCLP"
	InternalAbenP      InternalStatus = "ABENP"
	InternalPend       InternalStatus = "PEND"
	InternalSusp       InternalStatus = "SUSP"
	InternalStuck      InternalStatus = "STUCK"
	InternalExtrn      InternalStatus = "EXTRN"
	InternalIntrpt     InternalStatus = "INTRPT"
	InternalComplt     InternalStatus = "COMPLT"
	InternalError      InternalStatus = "ERROR"
	InternalPendPred   InternalStatus = "PENDPRED"
	InternalStarted    InternalStatus = "STARTED"
	InternalUndcded    InternalStatus = "UNDCDED"
	InternalArrving    InternalStatus = "ARRVING"
	InternalNonRepPred InternalStatus = "NONREPPRED"
)

// InternalStatuses lists every InternalStatus in the vendor's order.
func InternalStatuses() []InternalStatus {
	return []InternalStatus{
		InternalHold, InternalReady, InternalFence, InternalIntro, InternalFail, InternalExec,
		InternalWait, InternalSuppr, InternalEnd, InternalSucc, InternalSuccP, InternalAbend,
		InternalCancl, InternalCanclP, InternalAbenP, InternalPend, InternalSusp, InternalStuck,
		InternalExtrn, InternalIntrpt, InternalComplt, InternalError, InternalPendPred,
		InternalStarted, InternalUndcded, InternalArrving, InternalNonRepPred,
	}
}

// Valid reports whether s is one of the vendor's values.
func (s InternalStatus) Valid() bool { return contains(InternalStatuses(), s) }

// SubStatus explains why a job is HOLD, READY, SUPPR or SUCC
// (vendor enum JobInPlanSubStatus, verbatim).
type SubStatus string

// The JobInPlanSubStatus values.
const (
	SubHoldWaitingForPredecessor       SubStatus = "HOLD_WAITING_FOR_PREDECESSOR"
	SubHoldUnexpectedPredecessorCond   SubStatus = "HOLD_UNEXPECTED_PREDECESSOR_CONDITION"
	SubHoldWaitingForTime              SubStatus = "HOLD_WAITING_FOR_TIME"
	SubHoldWaitingForPrompt            SubStatus = "HOLD_WAITING_FOR_PROMPT"
	SubHoldWaitingForFile              SubStatus = "HOLD_WAITING_FOR_FILE"
	SubHoldWaitingForInput             SubStatus = "HOLD_WAITING_FOR_INPUT"
	SubHoldPriorityZero                SubStatus = "HOLD_PRIORITY_ZERO"
	SubReadyWaitingForResources        SubStatus = "READY_WAITING_FOR_RESOURCES"
	SubReadySuppressed                 SubStatus = "READY_SUPPRESSED"
	SubSupprUnsatisfiedDependency      SubStatus = "SUPPR_UNSATISFIED_DEPENDENCY"
	SubSupprWorkstationIgnored         SubStatus = "SUPPR_WORKSTATION_IGNORED"
	SubReadySubmitted                  SubStatus = "READY_SUBMITTED"
	SubReadyWaitingForLimit            SubStatus = "READY_WAITING_FOR_LIMIT"
	SubReadyWaitingForAgent            SubStatus = "READY_WAITING_FOR_AGENT"
	SubReadyWaitingForUserIntervention SubStatus = "READY_WAITING_FOR_USER_INTERVENTION"
	SubSuccDoNotRun                    SubStatus = "SUCC_DO_NOT_RUN"
	SubSuccCompleted                   SubStatus = "SUCC_COMPLETED"
)

// SubStatuses lists every SubStatus in the vendor's order.
func SubStatuses() []SubStatus {
	return []SubStatus{
		SubHoldWaitingForPredecessor, SubHoldUnexpectedPredecessorCond, SubHoldWaitingForTime,
		SubHoldWaitingForPrompt, SubHoldWaitingForFile, SubHoldWaitingForInput, SubHoldPriorityZero,
		SubReadyWaitingForResources, SubReadySuppressed, SubSupprUnsatisfiedDependency,
		SubSupprWorkstationIgnored, SubReadySubmitted, SubReadyWaitingForLimit,
		SubReadyWaitingForAgent, SubReadyWaitingForUserIntervention, SubSuccDoNotRun, SubSuccCompleted,
	}
}

// Valid reports whether s is one of the vendor's values.
func (s SubStatus) Valid() bool { return contains(SubStatuses(), s) }

// Reason returns an operator-facing sentence saying why a job in this
// substatus is not running, or "" when the substatus says nothing of waiting.
func (s SubStatus) Reason() string {
	switch s {
	case SubHoldWaitingForPredecessor:
		return "waiting for a predecessor to complete"
	case SubHoldUnexpectedPredecessorCond:
		return "a predecessor ended in an unexpected condition"
	case SubHoldWaitingForTime:
		return "waiting for its start time (AT)"
	case SubHoldWaitingForPrompt:
		return "waiting for a prompt to be answered"
	case SubHoldWaitingForFile:
		return "waiting for a file dependency"
	case SubHoldWaitingForInput:
		return "waiting for input"
	case SubHoldPriorityZero:
		return "held: priority is zero (put on hold by an operator)"
	case SubReadyWaitingForResources:
		return "ready, waiting for a resource"
	case SubReadySuppressed:
		return "ready but suppressed"
	case SubSupprUnsatisfiedDependency:
		return "suppressed: a conditional dependency is not satisfied"
	case SubSupprWorkstationIgnored:
		return "suppressed: its workstation is ignored"
	case SubReadySubmitted:
		return "submitted to the agent"
	case SubReadyWaitingForLimit:
		return "ready, waiting for the workstation's job limit"
	case SubReadyWaitingForAgent:
		return "ready, waiting for the agent to be available"
	case SubReadyWaitingForUserIntervention:
		return "ready, waiting for user intervention"
	}
	return ""
}

// StreamStatus is a job stream's internal status (vendor enum
// JobStreamInPlanStatus, verbatim).
type StreamStatus string

// The JobStreamInPlanStatus values.
const (
	StreamReady            StreamStatus = "READY"
	StreamHold             StreamStatus = "HOLD"
	StreamExec             StreamStatus = "EXEC"
	StreamAbend            StreamStatus = "ABEND"
	StreamCancl            StreamStatus = "CANCL"
	StreamCanclP           StreamStatus = "CANCLP"
	StreamSucc             StreamStatus = "SUCC"
	StreamUnknown          StreamStatus = "UNKNOWN"
	StreamAdd              StreamStatus = "ADD"
	StreamFail             StreamStatus = "FAIL"
	StreamWait             StreamStatus = "WAIT"
	StreamIntro            StreamStatus = "INTRO"
	StreamAbenP            StreamStatus = "ABENP"
	StreamSuccP            StreamStatus = "SUCCP"
	StreamSusp             StreamStatus = "SUSP"
	StreamStuck            StreamStatus = "STUCK"
	StreamPend             StreamStatus = "PEND"
	StreamBound            StreamStatus = "BOUND"
	StreamSuppr            StreamStatus = "SUPPR"
	StreamExtrn            StreamStatus = "EXTRN"
	StreamComplete         StreamStatus = "COMPLETE"
	StreamDeleted          StreamStatus = "DELETED"
	StreamError            StreamStatus = "ERROR"
	StreamPendingPred      StreamStatus = "PENDINGPRED"
	StreamStarted          StreamStatus = "STARTED"
	StreamUndecided        StreamStatus = "UNDECIDED"
	StreamWaitForInput     StreamStatus = "WAITFORINPUT"
	StreamInterrupted      StreamStatus = "INTERRUPTED"
	StreamNonReportingPred StreamStatus = "NONREPORTINGPRED"
	StreamSupprByCond      StreamStatus = "SUPPRBYCOND"
)

// StreamStatuses lists every StreamStatus in the vendor's order.
func StreamStatuses() []StreamStatus {
	return []StreamStatus{
		StreamReady, StreamHold, StreamExec, StreamAbend, StreamCancl, StreamCanclP, StreamSucc,
		StreamUnknown, StreamAdd, StreamFail, StreamWait, StreamIntro, StreamAbenP, StreamSuccP,
		StreamSusp, StreamStuck, StreamPend, StreamBound, StreamSuppr, StreamExtrn, StreamComplete,
		StreamDeleted, StreamError, StreamPendingPred, StreamStarted, StreamUndecided,
		StreamWaitForInput, StreamInterrupted, StreamNonReportingPred, StreamSupprByCond,
	}
}

// Valid reports whether s is one of the vendor's values.
func (s StreamStatus) Valid() bool { return contains(StreamStatuses(), s) }

// StreamSubStatus is the vendor enum JobStreamInPlanSubStatus, verbatim.
type StreamSubStatus string

// The JobStreamInPlanSubStatus values.
const (
	StreamSubWaitingForResource         StreamSubStatus = "WAITING_FOR_RESOURCE"
	StreamSubWaitingForUserIntervention StreamSubStatus = "WAITING_FOR_USER_INTERVENTION"
)

// DependencyType is the vendor enum DependencyType, verbatim.
type DependencyType string

// The DependencyType values.
const (
	DepInternal          DependencyType = "INTERNAL"
	DepExternalJob       DependencyType = "EXTERNAL_JOB"
	DepExternalJobStream DependencyType = "EXTERNAL_JOBSTREAM"
	DepJoin              DependencyType = "JOIN"
	DepFile              DependencyType = "FILE"
	DepResource          DependencyType = "RESOURCE"
	DepInternetwork      DependencyType = "INTERNETWORK"
	DepPrompt            DependencyType = "PROMPT"
)

// DependencyStatus is the vendor enum Status of a dependency, verbatim.
type DependencyStatus string

// The dependency Status values.
const (
	DepSatisfied   DependencyStatus = "SATISFIED"
	DepUnsatisfied DependencyStatus = "UNSATISFIED"
	DepUndecided   DependencyStatus = "UNDECIDED"
	DepUnbound     DependencyStatus = "UNBOUND"
)

// WorkstationType is the vendor enum WorkstationType, verbatim.
type WorkstationType string

// The WorkstationType values.
const (
	WSAgent          WorkstationType = "AGENT"
	WSPool           WorkstationType = "POOL"
	WSDPool          WorkstationType = "D-POOL"
	WSRemEng         WorkstationType = "REM-ENG"
	WSManager        WorkstationType = "MANAGER"
	WSFTA            WorkstationType = "FTA"
	WSXAgent         WorkstationType = "X-AGENT"
	WSSAgent         WorkstationType = "S-AGENT"
	WSWorkloadBroker WorkstationType = "WORKLOAD_BROKER"
	WSDomainManager  WorkstationType = "DOMAIN_MANAGER"
)

// WorkstationState is the vendor enum WorkstationStateEnum, verbatim.
type WorkstationState string

// The WorkstationStateEnum values Resync reasons about (all are accepted).
const (
	StateMaster          WorkstationState = "MASTER"
	StateManager         WorkstationState = "MANAGER"
	StateLinked          WorkstationState = "LINKED"
	StateFullyLinked     WorkstationState = "FULLY_LINKED"
	StateDirectlyLinked  WorkstationState = "DIRECTLY_LINKED"
	StateHostLinked      WorkstationState = "HOST_LINKED"
	StateExtendedLinked  WorkstationState = "EXTENDED_LINKED"
	StateBroker          WorkstationState = "BROKER"
	StateStart           WorkstationState = "START"
	StateRunning         WorkstationState = "RUNNING"
	StateTCPIPLinked     WorkstationState = "TCP_IP_LINKED"
	StateOnline          WorkstationState = "ONLINE"
	StateJobmanUp        WorkstationState = "JOBMAN_UP"
	StateWriterUp        WorkstationState = "WRITER_UP"
	StateWriterRunning   WorkstationState = "WRITER_RUNNING"
	StateIsInited        WorkstationState = "IS_INITED"
	StateBehindFirewall  WorkstationState = "BEHIND_FIREWALL"
	StateInstalled       WorkstationState = "INSTALLED"
	StateInstalledAndRun WorkstationState = "INSTALLED_AND_RUNNING"
)

// RerunType is the vendor enum RerunType, verbatim.
type RerunType string

// The RerunType values.
const (
	RerunRerun         RerunType = "RERUN"
	RerunRecoveryRerun RerunType = "RECOVERY_RERUN"
	RerunEvery         RerunType = "RERUN_EVERY"
	RerunFrom          RerunType = "RERUN_FROM"
	RerunRecovery      RerunType = "RECOVERY"
	RerunRegular       RerunType = "REGULAR"
	RerunStep          RerunType = "RERUN_STEP"
)

func contains[T comparable](list []T, v T) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
