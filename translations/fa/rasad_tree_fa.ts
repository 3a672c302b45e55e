<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="fa_IR" sourcelanguage="en">
<context>
    <name>ReferralTree</name>
    <message>
        <source>Referral tree</source>
        <translation>درخت ارجاع</translation>
    </message>
    <message>
        <source>Reading the tree from the server…</source>
        <translation>دریافت درخت ارجاع از کارگزار…</translation>
    </message>
    <message>
        <source>From</source>
        <translation>ارجاع‌دهنده</translation>
    </message>
    <message>
        <source>To</source>
        <translation>گیرندگان</translation>
    </message>
    <message>
        <source>Instruction and postscript</source>
        <translation>دستور و هامش</translation>
    </message>
    <message>
        <source>Due date</source>
        <translation>مهلت اقدام</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>وضعیت</translation>
    </message>
    <message>
        <source>When</source>
        <translation>زمان</translation>
    </message>
    <message>
        <source>%1 referrals; as of %2</source>
        <translation>%1 ارجاع؛ به‌روز تا %2</translation>
    </message>
    <message>
        <source>This letter&apos;s tree is not available to you.</source>
        <translation>درخت ارجاع این نامه برای شما در دسترس نیست.</translation>
    </message>
    <message>
        <source>The tree could not be read.</source>
        <translation>درخت ارجاع دریافت نشد.</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>باز</translation>
    </message>
    <message>
        <source>Read</source>
        <translation>خوانده‌شده</translation>
    </message>
    <message>
        <source>Answered</source>
        <translation>پاسخ‌داده‌شده</translation>
    </message>
    <message>
        <source>Closed</source>
        <translation>مختومه</translation>
    </message>
    <message>
        <source>Recalled</source>
        <translation>بازپس‌گرفته</translation>
    </message>
    <message>
        <source>Overdue</source>
        <translation>گذشته از مهلت</translation>
    </message>
    <message>
        <source>read</source>
        <translation>خوانده‌شده در</translation>
    </message>
    <message>
        <source>answered</source>
        <translation>پاسخ در</translation>
    </message>
    <message>
        <source>closed</source>
        <translation>مختومه در</translation>
    </message>
    <message>
        <source>Close note: %1</source>
        <translation>یادداشت مختومه: %1</translation>
    </message>
    <message>
        <source>Recalled at %1</source>
        <translation>بازپس‌گرفته در %1</translation>
    </message>
    <message>
        <source>Answer %1</source>
        <translation>پاسخ: %1</translation>
    </message>
    <message>
        <location filename="../../app/ui/referral_tree.py" line="1"/>
        <source>Answer (a draft, not registered yet)</source>
        <translation>پاسخ (پیش‌نویس، هنوز ثبت نشده)</translation>
    </message>
</context>
</TS>
