/**
 * The Win32 process API through koffi (FFI with prebuilt binaries from npm), loaded lazily so
 * that no other OS ever loads koffi. Kept thin on purpose: it only declares the structures and
 * functions and copies fields out; the arithmetic lives in windows-counters.ts and the tree logic
 * in windows-process-tree.ts, both tested on Linux. THIS FILE IS NOT TESTED: the project's CI
 * runs on Linux and it has never run on a real Windows machine.
 */
import type {
  FileTime,
  Win32ProcessApi,
  Win32ProcessEntry,
  Win32ProcessQuery,
} from './windows-counters.js';

const TH32CS_SNAPPROCESS = 0x00000002;
const PROCESS_QUERY_LIMITED_INFORMATION = 0x1000;
const PROCESS_VM_READ = 0x0010;
const MAX_PATH = 260;

let loaded: Promise<Win32ProcessApi> | undefined;

/** The binding, created once per process (koffi type names are global). */
export function loadWin32ProcessApi(): Promise<Win32ProcessApi> {
  loaded ??= bind();
  return loaded;
}

async function bind(): Promise<Win32ProcessApi> {
  const koffi = (await import('koffi')).default;
  const kernel32 = koffi.load('kernel32.dll');

  const FILETIME = koffi.struct('gowinproc_FILETIME', {
    dwLowDateTime: 'uint32_t',
    dwHighDateTime: 'uint32_t',
  });
  const PROCESSENTRY32W = koffi.struct('gowinproc_PROCESSENTRY32W', {
    dwSize: 'uint32_t',
    cntUsage: 'uint32_t',
    th32ProcessID: 'uint32_t',
    th32DefaultHeapID: 'uintptr_t',
    th32ModuleID: 'uint32_t',
    cntThreads: 'uint32_t',
    th32ParentProcessID: 'uint32_t',
    pcPriClassBase: 'int32_t',
    dwFlags: 'uint32_t',
    szExeFile: koffi.array('char16_t', MAX_PATH),
  });
  const PROCESS_MEMORY_COUNTERS = koffi.struct('gowinproc_PROCESS_MEMORY_COUNTERS', {
    cb: 'uint32_t',
    PageFaultCount: 'uint32_t',
    PeakWorkingSetSize: 'size_t',
    WorkingSetSize: 'size_t',
    QuotaPeakPagedPoolUsage: 'size_t',
    QuotaPagedPoolUsage: 'size_t',
    QuotaPeakNonPagedPoolUsage: 'size_t',
    QuotaNonPagedPoolUsage: 'size_t',
    PagefileUsage: 'size_t',
    PeakPagefileUsage: 'size_t',
  });
  const IO_COUNTERS = koffi.struct('gowinproc_IO_COUNTERS', {
    ReadOperationCount: 'uint64_t',
    WriteOperationCount: 'uint64_t',
    OtherOperationCount: 'uint64_t',
    ReadTransferCount: 'uint64_t',
    WriteTransferCount: 'uint64_t',
    OtherTransferCount: 'uint64_t',
  });
  // HANDLEs as intptr_t (plain numbers) rather than koffi pointers: we only pass them back.
  // BOOL is a 4-byte int: declared `int` and compared with 0.
  const CreateToolhelp32Snapshot = kernel32.func(
    '__stdcall',
    'CreateToolhelp32Snapshot',
    'intptr_t',
    ['uint32_t', 'uint32_t'],
  );
  const Process32FirstW = kernel32.func('__stdcall', 'Process32FirstW', 'int', [
    'intptr_t',
    koffi.inout(koffi.pointer(PROCESSENTRY32W)),
  ]);
  const Process32NextW = kernel32.func('__stdcall', 'Process32NextW', 'int', [
    'intptr_t',
    koffi.inout(koffi.pointer(PROCESSENTRY32W)),
  ]);
  const OpenProcess = kernel32.func('__stdcall', 'OpenProcess', 'intptr_t', [
    'uint32_t',
    'int',
    'uint32_t',
  ]);
  const GetProcessTimes = kernel32.func('__stdcall', 'GetProcessTimes', 'int', [
    'intptr_t',
    koffi.out(koffi.pointer(FILETIME)),
    koffi.out(koffi.pointer(FILETIME)),
    koffi.out(koffi.pointer(FILETIME)),
    koffi.out(koffi.pointer(FILETIME)),
  ]);
  const GetProcessMemoryInfo = kernel32.func('__stdcall', 'K32GetProcessMemoryInfo', 'int', [
    'intptr_t',
    koffi.inout(koffi.pointer(PROCESS_MEMORY_COUNTERS)),
    'uint32_t',
  ]);
  const GetProcessIoCounters = kernel32.func('__stdcall', 'GetProcessIoCounters', 'int', [
    'intptr_t',
    koffi.out(koffi.pointer(IO_COUNTERS)),
  ]);
  const GetProcessHandleCount = kernel32.func('__stdcall', 'GetProcessHandleCount', 'int', [
    'intptr_t',
    koffi.out(koffi.pointer('uint32_t')),
  ]);
  const CloseHandle = kernel32.func('__stdcall', 'CloseHandle', 'int', ['intptr_t']);
  const entrySize = koffi.sizeof(PROCESSENTRY32W);
  const memorySize = koffi.sizeof(PROCESS_MEMORY_COUNTERS);
  const isInvalid = (handle: unknown): boolean => Number(handle) === 0 || Number(handle) === -1;

  return {
    listProcesses(): Win32ProcessEntry[] {
      const snapshot: unknown = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
      if (isInvalid(snapshot)) return [];
      const list: Win32ProcessEntry[] = [];
      try {
        let entry: Record<string, number> = { dwSize: entrySize };
        for (let ok = Process32FirstW(snapshot, entry); ok !== 0;) {
          list.push({
            pid: Number(entry.th32ProcessID),
            ppid: Number(entry.th32ParentProcessID),
            threads: Number(entry.cntThreads),
          });
          entry = { dwSize: entrySize };
          ok = Process32NextW(snapshot, entry);
        }
      } finally {
        CloseHandle(snapshot);
      }
      return list;
    },

    queryProcess(pid: number): Win32ProcessQuery | undefined {
      const handle: unknown = OpenProcess(
        PROCESS_QUERY_LIMITED_INFORMATION | PROCESS_VM_READ,
        0,
        pid,
      );
      if (isInvalid(handle)) return undefined;
      try {
        const creationTime = {} as FileTime;
        const exitTime = {} as FileTime;
        const kernelTime = {} as FileTime;
        const userTime = {} as FileTime;
        if (GetProcessTimes(handle, creationTime, exitTime, kernelTime, userTime) === 0)
          return undefined;
        const memory: Record<string, number | bigint> = { cb: memorySize };
        const io: Record<string, number | bigint> = {};
        const handles: [number | null] = [null];
        const hasMemory = GetProcessMemoryInfo(handle, memory, memorySize) !== 0;
        const hasIo = GetProcessIoCounters(handle, io) !== 0;
        const hasHandles = GetProcessHandleCount(handle, handles) !== 0;
        return {
          creationTime,
          exitTime,
          kernelTime,
          userTime,
          workingSetSize: hasMemory ? (memory.WorkingSetSize ?? null) : null,
          readTransferCount: hasIo ? (io.ReadTransferCount ?? null) : null,
          writeTransferCount: hasIo ? (io.WriteTransferCount ?? null) : null,
          handleCount: hasHandles && handles[0] !== null ? Number(handles[0]) : null,
        };
      } finally {
        CloseHandle(handle);
      }
    },
  };
}
