<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="fa_IR">
<context>
    <name>RasadReportsWindow</name>
    <message>
        <location filename="../../app/ui/rasad_reports.py" line="81"/>
        <source>Rasad reports</source>
        <translation>گزارش‌های رصد</translation>
    </message>
    <message>
        <location filename="../../app/ui/rasad_reports.py" line="86"/>
        <source>Agency</source>
        <translation>سازمان</translation>
    </message>
    <message>
        <location filename="../../app/ui/rasad_reports.py" line="88"/>
        <source>Report</source>
        <translation>گزارش</translation>
    </message>
    <message>
        <location filename="../../app/ui/rasad_reports.py" line="95"/>
        <source>Show</source>
        <translation>نمایش</translation>
    </message>
    <message>
        <location filename="../../app/ui/rasad_reports.py" line="97"/>
        <source>Export CSV…</source>
        <translation>ذخیره با قالب CSV…</translation>
    </message>
    <message>
        <location filename="../../app/ui/rasad_reports.py" line="99"/>
        <source>Export Excel…</source>
        <translation>ذخیره با قالب اکسل…</translation>
    </message>
    <message>
        <location filename="../../app/ui/rasad_reports.py" line="110"/>
        <source>Agency:</source>
        <translation>سازمان:</translation>
    </message>
    <message>
        <location filename="../../app/ui/rasad_reports.py" line="110"/>
        <source>Report:</source>
        <translation>گزارش:</translation>
    </message>
    <message>
        <location filename="../../app/ui/rasad_reports.py" line="111"/>
        <source>From:</source>
        <translation>از تاریخ:</translation>
    </message>
    <message>
        <location filename="../../app/ui/rasad_reports.py" line="111"/>
        <source>To:</source>
        <translation>تا تاریخ:</translation>
    </message>
    <message>
        <location filename="../../app/ui/rasad_reports.py" line="130"/>
        <source>Open and overdue referrals</source>
        <translation>ارجاع‌های باز و دیرکرددار</translation>
    </message>
    <message>
        <location filename="../../app/ui/rasad_reports.py" line="130"/>
        <source>Time to first action and to close</source>
        <translation>زمان تا نخستین اقدام و تا مختومه شدن</translation>
    </message>
    <message>
        <location filename="../../app/ui/rasad_reports.py" line="131"/>
        <source>Letters waiting longest</source>
        <translation>نامه‌هایی که بیشترین انتظار را داشته‌اند</translation>
    </message>
    <message>
        <location filename="../../app/ui/rasad_reports.py" line="131"/>
        <source>Instructions of senior officials</source>
        <translation>دستورها و هامش‌های مقام‌های ارشد</translation>
    </message>
    <message>
        <location filename="../../app/ui/rasad_reports.py" line="144"/>
        <source>The report could not be fetched from the server.</source>
        <translation>گزارش از کارگزار دریافت نشد.</translation>
    </message>
    <message>
        <location filename="../../app/ui/rasad_reports.py" line="161"/>
        <source>Fetching the agencies…</source>
        <translation>در حال دریافت فهرست سازمان‌ها…</translation>
    </message>
    <message>
        <location filename="../../app/ui/rasad_reports.py" line="170"/>
        <source>This account may not see any agency&apos;s reports.</source>
        <translation>این حساب به گزارش‌های هیچ سازمانی دسترسی ندارد.</translation>
    </message>
    <message>
        <location filename="../../app/ui/rasad_reports.py" line="178"/>
        <source>The start of the period must not be after its end.</source>
        <translation>تاریخ آغاز دوره نباید پس از تاریخ پایان آن باشد.</translation>
    </message>
    <message>
        <location filename="../../app/ui/rasad_reports.py" line="186"/>
        <source>Preparing the report…</source>
        <translation>در حال آماده‌سازی گزارش…</translation>
    </message>
    <message>
        <location filename="../../app/ui/rasad_reports.py" line="209"/>
        <source>%1 to %2</source>
        <translation>از %1 تا %2</translation>
    </message>
    <message>
        <location filename="../../app/ui/rasad_reports.py" line="211"/>
        <source>Nothing to report in this period.</source>
        <translation>در این دوره موردی برای گزارش نیست.</translation>
    </message>
    <message>
        <location filename="../../app/ui/rasad_reports.py" line="214"/>
        <location filename="../../app/ui/rasad_reports.py" line="225"/>
        <location filename="../../app/ui/rasad_reports.py" line="227"/>
        <source>Open</source>
        <translation>باز</translation>
    </message>
    <message>
        <location filename="../../app/ui/rasad_reports.py" line="214"/>
        <source>Read</source>
        <translation>خوانده‌شده</translation>
    </message>
    <message>
        <location filename="../../app/ui/rasad_reports.py" line="214"/>
        <source>Answered</source>
        <translation>پاسخ‌داده‌شده</translation>
    </message>
    <message>
        <location filename="../../app/ui/rasad_reports.py" line="215"/>
        <location filename="../../app/ui/rasad_reports.py" line="234"/>
        <source>Closed</source>
        <translation>مختومه</translation>
    </message>
    <message>
        <location filename="../../app/ui/rasad_reports.py" line="215"/>
        <source>Recalled</source>
        <translation>بازپس‌گرفته</translation>
    </message>
    <message>
        <location filename="../../app/ui/rasad_reports.py" line="215"/>
        <location filename="../../app/ui/rasad_reports.py" line="225"/>
        <location filename="../../app/ui/rasad_reports.py" line="227"/>
        <location filename="../../app/ui/rasad_reports.py" line="245"/>
        <location filename="../../app/ui/rasad_reports.py" line="258"/>
        <source>Overdue</source>
        <translation>دیرکرددار</translation>
    </message>
    <message>
        <location filename="../../app/ui/rasad_reports.py" line="225"/>
        <source>Person</source>
        <translation>کارمند</translation>
    </message>
    <message>
        <location filename="../../app/ui/rasad_reports.py" line="225"/>
        <location filename="../../app/ui/rasad_reports.py" line="233"/>
        <source>Unit</source>
        <translation>واحد</translation>
    </message>
    <message>
        <location filename="../../app/ui/rasad_reports.py" line="226"/>
        <location filename="../../app/ui/rasad_reports.py" line="230"/>
        <source>No unit</source>
        <translation>بدون واحد</translation>
    </message>
    <message>
        <location filename="../../app/ui/rasad_reports.py" line="229"/>
        <source>The whole</source>
        <translation>کل سازمان</translation>
    </message>
    <message>
        <location filename="../../app/ui/rasad_reports.py" line="233"/>
        <source>Acted on</source>
        <translation>اقدام‌شده</translation>
    </message>
    <message>
        <location filename="../../app/ui/rasad_reports.py" line="233"/>
        <location filename="../../app/ui/rasad_reports.py" line="237"/>
        <source>Median to first action (hours)</source>
        <translation>میانه زمان تا نخستین اقدام (ساعت)</translation>
    </message>
    <message>
        <location filename="../../app/ui/rasad_reports.py" line="234"/>
        <source>90th percentile to first action (hours)</source>
        <translation>صدک نودم زمان تا نخستین اقدام (ساعت)</translation>
    </message>
    <message>
        <location filename="../../app/ui/rasad_reports.py" line="235"/>
        <location filename="../../app/ui/rasad_reports.py" line="238"/>
        <source>Median to close (hours)</source>
        <translation>میانه زمان تا مختومه شدن (ساعت)</translation>
    </message>
    <message>
        <location filename="../../app/ui/rasad_reports.py" line="235"/>
        <source>90th percentile to close (hours)</source>
        <translation>صدک نودم زمان تا مختومه شدن (ساعت)</translation>
    </message>
    <message>
        <location filename="../../app/ui/rasad_reports.py" line="244"/>
        <location filename="../../app/ui/rasad_reports.py" line="255"/>
        <source>Incoming number</source>
        <translation>شماره وارده</translation>
    </message>
    <message>
        <location filename="../../app/ui/rasad_reports.py" line="244"/>
        <source>Subject</source>
        <translation>موضوع</translation>
    </message>
    <message>
        <location filename="../../app/ui/rasad_reports.py" line="244"/>
        <source>Sender</source>
        <translation>فرستنده</translation>
    </message>
    <message>
        <location filename="../../app/ui/rasad_reports.py" line="244"/>
        <source>Registered</source>
        <translation>تاریخ ثبت</translation>
    </message>
    <message>
        <location filename="../../app/ui/rasad_reports.py" line="245"/>
        <location filename="../../app/ui/rasad_reports.py" line="247"/>
        <source>Days waiting</source>
        <translation>روزهای انتظار</translation>
    </message>
    <message>
        <location filename="../../app/ui/rasad_reports.py" line="245"/>
        <source>Open referrals</source>
        <translation>ارجاع‌های باز</translation>
    </message>
    <message>
        <location filename="../../app/ui/rasad_reports.py" line="245"/>
        <source>Waiting on</source>
        <translation>در انتظار اقدام</translation>
    </message>
    <message>
        <location filename="../../app/ui/rasad_reports.py" line="254"/>
        <source>Date</source>
        <translation>تاریخ</translation>
    </message>
    <message>
        <location filename="../../app/ui/rasad_reports.py" line="254"/>
        <source>From</source>
        <translation>ارجاع‌دهنده</translation>
    </message>
    <message>
        <location filename="../../app/ui/rasad_reports.py" line="254"/>
        <source>Instruction</source>
        <translation>دستور</translation>
    </message>
    <message>
        <location filename="../../app/ui/rasad_reports.py" line="254"/>
        <source>Postscript</source>
        <translation>هامش</translation>
    </message>
    <message>
        <location filename="../../app/ui/rasad_reports.py" line="255"/>
        <source>Due date</source>
        <translation>مهلت</translation>
    </message>
    <message>
        <location filename="../../app/ui/rasad_reports.py" line="255"/>
        <source>Follow-up</source>
        <translation>وضعیت پیگیری</translation>
    </message>
    <message>
        <location filename="../../app/ui/rasad_reports.py" line="255"/>
        <source>Recipients</source>
        <translation>گیرندگان</translation>
    </message>
    <message>
        <location filename="../../app/ui/rasad_reports.py" line="257"/>
        <source>Pending</source>
        <translation>در جریان</translation>
    </message>
    <message>
        <location filename="../../app/ui/rasad_reports.py" line="257"/>
        <source>Done</source>
        <translation>انجام‌شده</translation>
    </message>
    <message>
        <location filename="../../app/ui/rasad_reports.py" line="271"/>
        <source>CSV files (*.csv)</source>
        <translation>پرونده‌های CSV (*.csv)</translation>
    </message>
    <message>
        <location filename="../../app/ui/rasad_reports.py" line="271"/>
        <source>Excel workbooks (*.xlsx)</source>
        <translation>کارپوشه‌های اکسل (*.xlsx)</translation>
    </message>
    <message>
        <location filename="../../app/ui/rasad_reports.py" line="272"/>
        <source>Export the report</source>
        <translation>ذخیره گزارش</translation>
    </message>
    <message>
        <location filename="../../app/ui/rasad_reports.py" line="281"/>
        <source>The file could not be written there.</source>
        <translation>پرونده در آن مکان نوشته نشد.</translation>
    </message>
    <message>
        <location filename="../../app/ui/rasad_reports.py" line="283"/>
        <source>Exported.</source>
        <translation>گزارش ذخیره شد.</translation>
    </message>
</context>
</TS>
