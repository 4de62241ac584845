/*
 * A stand-in for Windows' bcryptprimitives.dll, for Wine only (never
 * shipped). Go's runtime (1.22 and later) takes its random numbers from
 * ProcessPrng in that DLL, which Windows 10 and later have and Debian 12's
 * Wine 8.0 lacks, so a Go .exe stops at start under that Wine with
 * "bcryptprimitives.dll not found". make dist-check builds this with
 * MinGW-w64 into the Wine prefix it uses. Wine 9 ships the real one.
 */
#include <windows.h>
#include <bcrypt.h>

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
	while (len > 0) {
		ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
		if (BCryptGenRandom(NULL, data, n, BCRYPT_USE_SYSTEM_PREFERRED_RNG) != 0)
			return FALSE;
		data += n;
		len -= n;
	}
	return TRUE;
}
