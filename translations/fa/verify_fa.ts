<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="fa_IR" sourcelanguage="en">
<context>
    <name>VerificationBanner</name>
    <message>
        <location filename="../../app/ui/verification_banner.py" line="52"/>
        <source>Click for the certificate chain, validity and revocation status</source>
        <translation>برای دیدن زنجیره گواهی، اعتبار و وضعیت ابطال کلیک کنید</translation>
    </message>
    <message>
        <location filename="../../app/ui/verification_banner.py" line="60"/>
        <source>The signature is valid. Signed by %1</source>
        <translation>امضای نامه معتبر است. امضاکننده: %1</translation>
    </message>
    <message>
        <location filename="../../app/ui/verification_banner.py" line="62"/>
        <source>no reason was recorded</source>
        <translation>دلیلی ثبت نشده است</translation>
    </message>
    <message>
        <location filename="../../app/ui/verification_banner.py" line="63"/>
        <source>The signature is NOT valid: %1</source>
        <translation>امضای نامه معتبر نیست: %1.</translation>
    </message>
    <message>
        <location filename="../../app/ui/verification_banner.py" line="64"/>
        <source>The letter is kept in the inbox; do not act on it before asking the sender.</source>
        <translation>نامه در واردها نگه داشته شده است؛ پیش از استعلام از فرستنده بر پایه آن اقدام نکنید.</translation>
    </message>
    <message>
        <location filename="../../app/ui/verification_banner.py" line="67"/>
        <source>this letter arrived before incoming letters were verified; it is checked at the next sync</source>
        <translation>این نامه پیش از راه‌اندازی بررسی امضا دریافت شده است؛ در همگام‌سازی بعدی بررسی می‌شود</translation>
    </message>
    <message>
        <location filename="../../app/ui/verification_banner.py" line="68"/>
        <source>The signature has not been checked yet: %1</source>
        <translation>امضای نامه هنوز بررسی نشده است: %1.</translation>
    </message>
    <message>
        <location filename="../../app/ui/verification_banner.py" line="74"/>
        <source>Unknown signer</source>
        <translation>امضاکننده نامشخص</translation>
    </message>
    <message>
        <location filename="../../app/ui/verification_banner.py" line="78"/>
        <source>national code %1</source>
        <translation>کد ملی %1</translation>
    </message>
    <message>
        <location filename="../../app/ui/verification_banner.py" line="80"/>
        <source>signed on %1</source>
        <translation>امضا در %1</translation>
    </message>
</context>
<context>
    <name>VerificationDialog</name>
    <message>
        <source>Reading the certificates…</source>
        <translation>در حال خواندن گواهی‌ها…</translation>
    </message>
    <message>
        <source>The certificates could not be read.</source>
        <translation>گواهی‌های نامه خوانده نشد.</translation>
    </message>
    <message>
        <location filename="../../app/ui/verification_banner.py" line="105"/>
        <source>Close</source>
        <translation>بستن</translation>
    </message>
    <message>
        <location filename="../../app/ui/verification_banner.py" line="96"/>
        <source>Signature verification</source>
        <translation>بررسی امضای نامه</translation>
    </message>
    <message>
        <location filename="../../app/ui/verification_banner.py" line="118"/>
        <source>Valid</source>
        <translation>معتبر</translation>
    </message>
    <message>
        <location filename="../../app/ui/verification_banner.py" line="118"/>
        <source>Not valid</source>
        <translation>نامعتبر</translation>
    </message>
    <message>
        <location filename="../../app/ui/verification_banner.py" line="118"/>
        <source>Not checked yet</source>
        <translation>هنوز بررسی نشده</translation>
    </message>
    <message>
        <location filename="../../app/ui/verification_banner.py" line="120"/>
        <source>Reasons</source>
        <translation>دلایل</translation>
    </message>
    <message>
        <location filename="../../app/ui/verification_banner.py" line="121"/>
        <source>Still to check</source>
        <translation>موارد در انتظار بررسی</translation>
    </message>
    <message>
        <location filename="../../app/ui/verification_banner.py" line="125"/>
        <source>Signer %1</source>
        <translation>امضاکننده %1</translation>
    </message>
    <message>
        <location filename="../../app/ui/verification_banner.py" line="127"/>
        <source>Title</source>
        <translation>سمت</translation>
    </message>
    <message>
        <location filename="../../app/ui/verification_banner.py" line="128"/>
        <source>National code</source>
        <translation>کد ملی</translation>
    </message>
    <message>
        <location filename="../../app/ui/verification_banner.py" line="129"/>
        <source>Signing time</source>
        <translation>زمان امضا</translation>
    </message>
    <message>
        <location filename="../../app/ui/verification_banner.py" line="130"/>
        <source>Revocation</source>
        <translation>وضعیت ابطال</translation>
    </message>
    <message>
        <location filename="../../app/ui/verification_banner.py" line="135"/>
        <source>Certificate chain</source>
        <translation>زنجیره گواهی</translation>
    </message>
    <message>
        <location filename="../../app/ui/verification_banner.py" line="138"/>
        <source>valid from %1 to %2</source>
        <translation>معتبر از %1 تا %2</translation>
    </message>
    <message>
        <location filename="../../app/ui/verification_banner.py" line="140"/>
        <source>trust root of this agency</source>
        <translation>ریشه مورد اعتماد این دستگاه</translation>
    </message>
    <message>
        <location filename="../../app/ui/verification_banner.py" line="146"/>
        <source>valid; registered on %1</source>
        <translation>معتبر؛ ثبت‌شده در %1</translation>
    </message>
    <message>
        <location filename="../../app/ui/verification_banner.py" line="148"/>
        <location filename="../../app/ui/verification_banner.py" line="158"/>
        <source>not checked</source>
        <translation>بررسی نشده</translation>
    </message>
    <message>
        <location filename="../../app/ui/verification_banner.py" line="149"/>
        <source>Server receipt</source>
        <translation>رسید ثبت کارگزار</translation>
    </message>
    <message>
        <location filename="../../app/ui/verification_banner.py" line="152"/>
        <source>Checked on %1</source>
        <translation>بررسی‌شده در %1</translation>
    </message>
    <message>
        <location filename="../../app/ui/verification_banner.py" line="157"/>
        <source>checked: not revoked</source>
        <translation>بررسی شد: باطل نشده است</translation>
    </message>
    <message>
        <location filename="../../app/ui/verification_banner.py" line="157"/>
        <source>REVOKED</source>
        <translation>باطل شده است</translation>
    </message>
    <message>
        <location filename="../../app/ui/verification_banner.py" line="158"/>
        <source>could not be checked</source>
        <translation>بررسی نشد</translation>
    </message>
</context>
</TS>
