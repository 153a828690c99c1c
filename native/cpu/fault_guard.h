// Runs a function and survives the hardware faults of an instruction the CPU
// or the OS refuses (SIGILL, SIGSEGV, SIGBUS on the calling thread). For the
// once-per-kernel self-checks only: installing handlers is process-wide and
// serialized, never for hot paths. The handlers that were installed before
// (Node's own) are restored exactly, and faults on other threads meanwhile are
// passed on to them.
#pragma once

namespace qgemm {

// 0 when fn(ctx) returned; else the signal that stopped it. Code between the
// fault and this call is abandoned (no destructors run): keep fn's frames free
// of objects that own resources.
int run_fault_guarded(void (*fn)(void* ctx), void* ctx);

// "SIGILL", "SIGSEGV", "SIGBUS", or "signal N".
const char* fault_signal_name(int signal);

// Executes a genuinely faulting instruction raising `signal` (SIGILL, SIGSEGV
// or SIGBUS): the tests' way to prove the guard on any machine.
void raise_hardware_fault(int signal);

}  // namespace qgemm
