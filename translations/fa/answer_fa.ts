<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="fa_IR" sourcelanguage="en">
<context>
    <name>IncomingActions</name>
    <message>
        <source>Answer the sender</source>
        <translation>پاسخ به فرستنده</translation>
    </message>
    <message>
        <source>An outgoing letter to the person or company who wrote, in reply to their letter; printed and handed over or posted</source>
        <translation>نامهٔ صادره به شخص حقیقی یا حقوقی فرستنده، در پاسخ به نامهٔ او؛ چاپ و به او تحویل یا پست می‌شود</translation>
    </message>
</context>
</TS>
