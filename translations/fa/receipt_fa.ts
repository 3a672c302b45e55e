<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="fa_IR" sourcelanguage="en">
<context>
    <name>IncomingActions</name>
    <message>
        <source>Print receipt</source>
        <translation>چاپ رسید</translation>
    </message>
    <message>
        <source>Save receipt as PDF…</source>
        <translation>ذخیرهٔ رسید به PDF…</translation>
    </message>
    <message>
        <source>The receipt can be printed after the next sync, once the tracking id is issued.</source>
        <translation>رسید پس از همگام‌سازی بعدی و صدور شناسه پیگیری چاپ‌شدنی است.</translation>
    </message>
    <message>
        <source>The receipt of a letter from a person or a company</source>
        <translation>رسید ثبت نامهٔ شخص حقیقی یا حقوقی</translation>
    </message>
    <message>
        <source>receipt</source>
        <translation>رسید</translation>
    </message>
    <message>
        <source>The receipt was saved: %1</source>
        <translation>رسید ذخیره شد: %1</translation>
    </message>
    <message>
        <source>The receipt could not be saved.</source>
        <translation>ذخیرهٔ رسید ممکن نشد.</translation>
    </message>
    <message>
        <source>Receipt ready</source>
        <translation>رسید آمادهٔ چاپ</translation>
    </message>
    <message>
        <source>The tracking id of the letter “%1” was issued; its receipt is ready to print.</source>
        <translation>شناسه پیگیری نامهٔ «%1» صادر شد؛ رسید آمادهٔ چاپ است.</translation>
    </message>
</context>
</TS>
