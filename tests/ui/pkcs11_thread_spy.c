/* A PKCS#11 module for tests: it forwards every call to the module named in DABIR_SPY_MODULE and,
 * for the calls that reach a token (slot and token listing, sessions, login, objects, signing),
 * appends "<thread id> <function>" to the file named in DABIR_SPY_LOG. The tests read it to see
 * on which threads the desktop app calls the token library.
 *
 *   cc -shared -fPIC -I/usr/include/p11-kit-1 pkcs11_thread_spy.c -o spy.so -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <p11-kit/pkcs11.h>

static CK_FUNCTION_LIST *real;
static CK_FUNCTION_LIST spy;

static void note(const char *function)
{
    const char *path = getenv("DABIR_SPY_LOG");
    FILE *log = path ? fopen(path, "a") : NULL;
    if (log) {
        fprintf(log, "%ld %s\n", (long) syscall(SYS_gettid), function);
        fclose(log);
    }
}

#define SPY(name, params, args) \
    static CK_RV spy_##name params { note(#name); return real->name args; }

SPY(C_GetSlotList, (CK_BBOOL present, CK_SLOT_ID_PTR slots, CK_ULONG_PTR count), (present, slots, count))
SPY(C_GetSlotInfo, (CK_SLOT_ID slot, CK_SLOT_INFO_PTR info), (slot, info))
SPY(C_GetTokenInfo, (CK_SLOT_ID slot, CK_TOKEN_INFO_PTR info), (slot, info))
SPY(C_WaitForSlotEvent, (CK_FLAGS flags, CK_SLOT_ID_PTR slot, CK_VOID_PTR reserved), (flags, slot, reserved))
SPY(C_OpenSession, (CK_SLOT_ID slot, CK_FLAGS flags, CK_VOID_PTR app, CK_NOTIFY notify, CK_SESSION_HANDLE_PTR session),
    (slot, flags, app, notify, session))
SPY(C_CloseSession, (CK_SESSION_HANDLE session), (session))
SPY(C_Login, (CK_SESSION_HANDLE session, CK_USER_TYPE user, CK_UTF8CHAR_PTR pin, CK_ULONG len), (session, user, pin, len))
SPY(C_FindObjectsInit, (CK_SESSION_HANDLE session, CK_ATTRIBUTE_PTR attrs, CK_ULONG count), (session, attrs, count))
SPY(C_GetAttributeValue, (CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object, CK_ATTRIBUTE_PTR attrs, CK_ULONG count),
    (session, object, attrs, count))
SPY(C_SignInit, (CK_SESSION_HANDLE session, CK_MECHANISM_PTR mechanism, CK_OBJECT_HANDLE key), (session, mechanism, key))
SPY(C_Sign, (CK_SESSION_HANDLE session, CK_BYTE_PTR data, CK_ULONG len, CK_BYTE_PTR signature, CK_ULONG_PTR signature_len),
    (session, data, len, signature, signature_len))

CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list)
{
    if (real == NULL) {
        const char *path = getenv("DABIR_SPY_MODULE");
        void *module = path ? dlopen(path, RTLD_NOW | RTLD_LOCAL) : NULL;
        CK_C_GetFunctionList get = module ? (CK_C_GetFunctionList) dlsym(module, "C_GetFunctionList") : NULL;
        if (get == NULL || get(&real) != CKR_OK)
            return CKR_GENERAL_ERROR;
        spy = *real;
        spy.C_GetSlotList = spy_C_GetSlotList;
        spy.C_GetSlotInfo = spy_C_GetSlotInfo;
        spy.C_GetTokenInfo = spy_C_GetTokenInfo;
        spy.C_WaitForSlotEvent = spy_C_WaitForSlotEvent;
        spy.C_OpenSession = spy_C_OpenSession;
        spy.C_CloseSession = spy_C_CloseSession;
        spy.C_Login = spy_C_Login;
        spy.C_FindObjectsInit = spy_C_FindObjectsInit;
        spy.C_GetAttributeValue = spy_C_GetAttributeValue;
        spy.C_SignInit = spy_C_SignInit;
        spy.C_Sign = spy_C_Sign;
    }
    *list = &spy;
    return CKR_OK;
}
