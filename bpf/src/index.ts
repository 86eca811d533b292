export { BpfObject, sumPerCpuU64, sumPerCpu, possibleCpus, encodePassFilter, type OpenPassFilter } from './bpf-object';
export { VIGIL_BPF_OBJECT, PACKAGE_ROOT, type NativeMapDump } from './native';
export { VigilProbe, DEFAULT_PROBE_OPTIONS, type ProbeOptions, type CountEntry } from './vigil-probe';
export { EventType, DROP_CAUSES, KERNEL_DROP_CAUSES, LAYOUTS, LIMITS, type DropCause, type StructLayout, type FieldLayout } from './layout';
export { decodeBatch, decodeEvent, ipText, splitBatch, type DecodedBatch, type DecodeOptions } from './events';
export type { VigilEvent, ForkEvent, ExecEvent, ExitEvent, OpenEvent, NetEvent, SecurityEvent, PathEvent, EventBase } from './events';
export { ARG_SYSCALLS } from './argument-syscalls.generated';
