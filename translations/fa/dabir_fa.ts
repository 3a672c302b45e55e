<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="fa_IR" sourcelanguage="en">
<context>
    <name>Classification</name>
    <message>
        <location filename="../../app/ui/labels.py" line="35"/>
        <source>Normal</source>
        <translation>عادی</translation>
    </message>
    <message>
        <location filename="../../app/ui/labels.py" line="36"/>
        <source>Confidential</source>
        <translation>محرمانه</translation>
    </message>
    <message>
        <location filename="../../app/ui/labels.py" line="37"/>
        <source>Secret</source>
        <translation>خیلی محرمانه</translation>
    </message>
    <message>
        <location filename="../../app/ui/labels.py" line="38"/>
        <source>Top secret</source>
        <translation>سری</translation>
    </message>
</context>
<context>
    <name>Folder</name>
    <message>
        <location filename="../../app/ui/labels.py" line="14"/>
        <source>Drafts</source>
        <translation>پیش‌نویس‌ها</translation>
    </message>
    <message>
        <location filename="../../app/ui/labels.py" line="15"/>
        <source>Awaiting signature</source>
        <translation>در انتظار امضا</translation>
    </message>
    <message>
        <location filename="../../app/ui/labels.py" line="16"/>
        <source>Outbox</source>
        <translation>صندوق ارسال</translation>
    </message>
    <message>
        <location filename="../../app/ui/labels.py" line="17"/>
        <source>Sent</source>
        <translation>ارسال‌شده‌ها</translation>
    </message>
    <message>
        <location filename="../../app/ui/labels.py" line="18"/>
        <source>Incoming</source>
        <translation>وارده‌ها</translation>
    </message>
    <message>
        <location filename="../../app/ui/labels.py" line="19"/>
        <source>Archive</source>
        <translation>بایگانی</translation>
    </message>
</context>
<context>
    <name>LetterTableModel</name>
    <message>
        <location filename="../../app/ui/letter_table_model.py" line="54"/>
        <source>Subject</source>
        <translation>موضوع</translation>
    </message>
    <message>
        <location filename="../../app/ui/letter_table_model.py" line="55"/>
        <source>Counterpart</source>
        <translation>طرف مکاتبه</translation>
    </message>
    <message>
        <location filename="../../app/ui/letter_table_model.py" line="56"/>
        <source>Number</source>
        <translation>شماره</translation>
    </message>
    <message>
        <location filename="../../app/ui/letter_table_model.py" line="57"/>
        <source>Date</source>
        <translation>تاریخ</translation>
    </message>
    <message>
        <location filename="../../app/ui/letter_table_model.py" line="58"/>
        <source>State</source>
        <translation>وضعیت</translation>
    </message>
    <message>
        <location filename="../../app/ui/letter_table_model.py" line="59"/>
        <source>Priority</source>
        <translation>فوریت</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>%1 overdue referrals</source>
        <translation>%1 ارجاع دیرکرددار</translation>
    </message>
    <message>
        <source>Show the overdue referrals in the cartable</source>
        <translation>نمایش ارجاع‌های دیرکرددار در کارتابل</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="34"/>
        <location filename="../../app/ui/main.py" line="39"/>
        <source>Dabir</source>
        <translation>دبیر</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="61"/>
        <source>Refresh</source>
        <translation>بازخوانی</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="65"/>
        <source>Search</source>
        <translation>جستجو</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="99"/>
        <source>Loading…</source>
        <translation>در حال بارگذاری…</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="104"/>
        <source>Counting…</source>
        <translation>در حال شمارش…</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="109"/>
        <source>%1 letters match “%2”</source>
        <translation>%1 نامه با عبارت «%2» یافت شد</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="112"/>
        <source>%1 letters</source>
        <translation>%1 نامه</translation>
    </message>
    <message>
        <location filename="../../app/ui/main_window.py" line="115"/>
        <source>Could not read the letters: %1</source>
        <translation>خواندن نامه‌ها ممکن نشد: %1</translation>
    </message>
</context>
<context>
    <name>Priority</name>
    <message>
        <location filename="../../app/ui/labels.py" line="26"/>
        <source>Normal</source>
        <translation>عادی</translation>
    </message>
    <message>
        <location filename="../../app/ui/labels.py" line="27"/>
        <source>Urgent</source>
        <translation>فوری</translation>
    </message>
    <message>
        <location filename="../../app/ui/labels.py" line="28"/>
        <source>Immediate</source>
        <translation>آنی</translation>
    </message>
</context>
<context>
    <name>SearchBox</name>
    <message>
        <location filename="../../app/ui/search_box.py" line="17"/>
        <source>Search subject, text, parties or number…</source>
        <translation>جستجو در موضوع، متن، طرفین مکاتبه یا شماره نامه…</translation>
    </message>
</context>
<context>
    <name>FolderList</name>
    <message>
        <source>Cartable</source>
        <translation>کارتابل</translation>
    </message>
</context>
</TS>
