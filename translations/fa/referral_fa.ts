<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="fa_IR" sourcelanguage="en">
<context>
    <name>ReferralDialog</name>
    <message>
        <source>Refer the letter</source>
        <translation>ارجاع نامه</translation>
    </message>
    <message>
        <source>Find a colleague by name, unit or title…</source>
        <translation>جست‌وجوی همکار با نام، واحد یا سمت…</translation>
    </message>
    <message>
        <source>Postscript (optional)</source>
        <translation>هامش (اختیاری)</translation>
    </message>
    <message>
        <source>Due date</source>
        <translation>مهلت اقدام</translation>
    </message>
    <message>
        <source>Letter:</source>
        <translation>نامه:</translation>
    </message>
    <message>
        <source>Refer to:</source>
        <translation>ارجاع به:</translation>
    </message>
    <message>
        <source>Instruction:</source>
        <translation>دستور:</translation>
    </message>
    <message>
        <source>Postscript:</source>
        <translation>هامش:</translation>
    </message>
    <message>
        <source>Refer</source>
        <translation>ارجاع</translation>
    </message>
    <message>
        <source>The letter could not be referred.</source>
        <translation>ارجاع نامه ممکن نشد.</translation>
    </message>
</context>
<context>
    <name>CartableView</name>
    <message>
        <source>Referral tree</source>
        <translation>درخت ارجاع</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>وضعیت</translation>
    </message>
    <message>
        <source>Referred to</source>
        <translation>ارجاع‌گیرنده</translation>
    </message>
    <message>
        <source>%1; your step was refused</source>
        <translation>%1؛ گام شما پذیرفته نشد</translation>
    </message>
    <message>
        <source>%1 (the server refused your step: %2)</source>
        <translation>%1 (کارگزار گام شما را نپذیرفت: %2)</translation>
    </message>
    <message>
        <source>Refused by the server: %1</source>
        <translation>ردشده از سوی کارگزار: %1</translation>
    </message>
    <message>
        <source>Recalled</source>
        <translation>بازپس گرفته شد</translation>
    </message>
    <message>
        <source>Closed</source>
        <translation>مختومه</translation>
    </message>
    <message>
        <source>Answered</source>
        <translation>پاسخ داده شد</translation>
    </message>
    <message>
        <source>Waiting for sync</source>
        <translation>در انتظار همگام‌سازی</translation>
    </message>
    <message>
        <source>Read</source>
        <translation>خوانده‌شده</translation>
    </message>
    <message>
        <source>Unread</source>
        <translation>خوانده‌نشده</translation>
    </message>
    <message>
        <source>Cartable</source>
        <translation>کارتابل</translation>
    </message>
    <message>
        <source>Referred to me</source>
        <translation>ارجاع‌شده به من</translation>
    </message>
    <message>
        <source>Referred by me</source>
        <translation>ارجاع‌های من</translation>
    </message>
    <message>
        <source>Subject</source>
        <translation>موضوع</translation>
    </message>
    <message>
        <source>Number</source>
        <translation>شماره</translation>
    </message>
    <message>
        <source>From</source>
        <translation>ارجاع‌دهنده</translation>
    </message>
    <message>
        <source>Instruction</source>
        <translation>دستور</translation>
    </message>
    <message>
        <source>Postscript</source>
        <translation>هامش</translation>
    </message>
    <message>
        <source>Due date</source>
        <translation>مهلت</translation>
    </message>
    <message>
        <source>Referred on</source>
        <translation>تاریخ ارجاع</translation>
    </message>
    <message>
        <source>Open letter</source>
        <translation>گشودن نامه</translation>
    </message>
    <message>
        <source>Refer on</source>
        <translation>ارجاع مجدد</translation>
    </message>
    <message>
        <source>Answer</source>
        <translation>پاسخ</translation>
    </message>
    <message>
        <source>Close with a note</source>
        <translation>اختتام با یادداشت</translation>
    </message>
    <message>
        <source>Recall</source>
        <translation>بازپس‌گیری</translation>
    </message>
    <message>
        <source>Overdue</source>
        <translation>دیرکرددار</translation>
    </message>
    <message>
        <source>Filter by subject, number, person or postscript</source>
        <translation>پالایش بر پایهٔ موضوع، شماره، نام یا هامش</translation>
    </message>
    <message>
        <source>The cartable could not be read.</source>
        <translation>کارتابل خوانده نشد.</translation>
    </message>
    <message>
        <source>(letter not here yet)</source>
        <translation>(نامه هنوز دریافت نشده است)</translation>
    </message>
    <message>
        <source>The step could not be done.</source>
        <translation>این کار انجام نشد.</translation>
    </message>
    <message>
        <source>Close the referral</source>
        <translation>اختتام ارجاع</translation>
    </message>
    <message>
        <source>Note:</source>
        <translation>یادداشت:</translation>
    </message>
</context>
<context>
    <name>ReferralActions</name>
    <message>
        <source>Who the letter was referred to, and how far each got</source>
        <translation>ارجاع‌های نامه و پیشرفت هر یک</translation>
    </message>
    <message>
        <source>Referral tree</source>
        <translation>درخت ارجاع</translation>
    </message>
    <message>
        <source>Refer</source>
        <translation>ارجاع</translation>
    </message>
    <message>
        <source>Refer the letter to colleagues with an instruction</source>
        <translation>ارجاع نامه به همکاران با دستور</translation>
    </message>
    <message>
        <source>Cartable</source>
        <translation>کارتابل</translation>
    </message>
    <message>
        <source>The letter was referred; it reaches your colleagues with the next sync.</source>
        <translation>نامه ارجاع شد؛ با همگام‌سازی بعدی به همکاران می‌رسد.</translation>
    </message>
    <message>
        <source>Re: %1</source>
        <translation>پاسخ: %1</translation>
    </message>
</context>
<context>
    <name>Reminders</name>
    <message>
        <source>Referrals due</source>
        <translation>ارجاع‌های سررسیده</translation>
    </message>
    <message>
        <source>%1 referrals in your cartable are due today or overdue.</source>
        <translation>مهلت %1 ارجاع در کارتابل شما امروز است یا گذشته است.</translation>
    </message>
    <message>
        <source>The referral “%1” was due on %2.</source>
        <translation>مهلت ارجاع «%1» در %2 به پایان رسیده است.</translation>
    </message>
    <message>
        <source>Overdue referral</source>
        <translation>ارجاع دیرکرددار</translation>
    </message>
    <message>
        <source>The referral “%1” is due today.</source>
        <translation>مهلت ارجاع «%1» امروز به پایان می‌رسد.</translation>
    </message>
    <message>
        <source>Referral due today</source>
        <translation>سررسید ارجاع امروز است</translation>
    </message>
</context>
<context>
    <name>ReferralRows</name>
    <message>
        <location filename="../../app/ui/referral_rows.py" line="1"/>
        <source>«%1» from %2, %3</source>
        <translation>«%1» از %2، %3</translation>
    </message>
    <message>
        <location filename="../../app/ui/referral_rows.py" line="1"/>
        <source>Referral:</source>
        <translation>ارجاع:</translation>
    </message>
    <message>
        <location filename="../../app/ui/referral_rows.py" line="1"/>
        <source>Margin note:</source>
        <translation>هامش:</translation>
    </message>
    <message>
        <location filename="../../app/ui/referral_rows.py" line="1"/>
        <source>Due:</source>
        <translation>مهلت اقدام:</translation>
    </message>
</context>
</TS>
