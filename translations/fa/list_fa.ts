<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<!-- The letter list, search, printing and file dialogs (issue 15, items 4-6, 10-13). -->
<TS version="2.1" language="fa_IR" sourcelanguage="en">
<context>
    <name>MainWindow</name>
    <message>
        <source>All folders</source>
        <translation>همهٔ پوشه‌ها</translation>
    </message>
    <message>
        <source>This folder only</source>
        <translation>فقط همین پوشه</translation>
    </message>
    <message>
        <source>Where the search looks</source>
        <translation>جست‌وجو در کدام پوشه‌ها انجام شود</translation>
    </message>
    <message>
        <source>No results found</source>
        <translation>نتیجه‌ای یافت نشد</translation>
    </message>
    <message>
        <source>%1 letters in all folders match “%2”</source>
        <translation>%1 نامه در همهٔ پوشه‌ها با عبارت «%2» یافت شد</translation>
    </message>
    <message>
        <source>The column widths could not be saved.</source>
        <translation>پهنای ستون‌ها ذخیره نشد.</translation>
    </message>
</context>
<context>
    <name>LetterDetails</name>
    <message>
        <source>In reply to:</source>
        <translation>عطف به:</translation>
    </message>
    <message>
        <source>Follow-up of:</source>
        <translation>پیرو:</translation>
    </message>
</context>
</TS>
