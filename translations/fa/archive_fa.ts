<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="fa_IR" sourcelanguage="en">
<context>
    <name>Archive</name>
    <message>
        <source>%1, file number %2</source>
        <translation>%1، شماره %2</translation>
    </message>
    <message>
        <source>Archive file:</source>
        <translation>پرونده:</translation>
    </message>
    <message>
        <source>File number %1</source>
        <translation>شماره پرونده %1</translation>
    </message>
</context>
<context>
    <name>ArchiveActions</name>
    <message>
        <source>File…</source>
        <translation>بایگانی…</translation>
    </message>
    <message>
        <source>File the letter in a folder of the archive</source>
        <translation>بایگانی نامه در یکی از پرونده‌های بایگانی</translation>
    </message>
    <message>
        <source>Take out of the archive…</source>
        <translation>خروج از بایگانی…</translation>
    </message>
    <message>
        <source>Take the letter out of an archive folder, saying why</source>
        <translation>خارج کردن نامه از پرونده بایگانی، با ذکر علت</translation>
    </message>
    <message>
        <source>The letter was filed; the server learns of it with the next sync.</source>
        <translation>نامه بایگانی شد و با همگام‌سازی بعدی به کارگزار اعلام می‌شود.</translation>
    </message>
    <message>
        <source>The letter was taken out of the folder.</source>
        <translation>نامه از پرونده خارج شد.</translation>
    </message>
</context>
<context>
    <name>FileDialog</name>
    <message>
        <source>File the letter in the archive</source>
        <translation>بایگانی نامه</translation>
    </message>
    <message>
        <source>Already filed in: %1</source>
        <translation>اکنون بایگانی‌شده در: %1</translation>
    </message>
    <message>
        <source>Find a folder by title or file number…</source>
        <translation>جست‌وجوی پرونده با عنوان یا شماره پرونده…</translation>
    </message>
    <message>
        <source>Folder</source>
        <translation>پرونده</translation>
    </message>
    <message>
        <source>File number</source>
        <translation>شماره پرونده</translation>
    </message>
    <message>
        <source>The archive has no folders yet; they are made on the server and come with the sync.</source>
        <translation>بایگانی هنوز پرونده‌ای ندارد؛ پرونده‌ها با همگام‌سازی از کارگزار دریافت می‌شوند.</translation>
    </message>
    <message>
        <source>Letter:</source>
        <translation>نامه:</translation>
    </message>
    <message>
        <source>Find:</source>
        <translation>جست‌وجو:</translation>
    </message>
    <message>
        <source>File</source>
        <translation>بایگانی</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>انصراف</translation>
    </message>
    <message>
        <source>The letter could not be filed.</source>
        <translation>بایگانی نامه انجام نشد.</translation>
    </message>
</context>
<context>
    <name>UnfileDialog</name>
    <message>
        <source>Take the letter out of the archive</source>
        <translation>خروج نامه از بایگانی</translation>
    </message>
    <message>
        <source>Why the letter leaves the folder (kept in the audit log)</source>
        <translation>علت خروج نامه از پرونده (در رویدادنگار ثبت می‌شود)</translation>
    </message>
    <message>
        <source>Letter:</source>
        <translation>نامه:</translation>
    </message>
    <message>
        <source>From folder:</source>
        <translation>از پرونده:</translation>
    </message>
    <message>
        <source>Reason:</source>
        <translation>علت:</translation>
    </message>
    <message>
        <source>Take out of the archive</source>
        <translation>خروج از بایگانی</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>انصراف</translation>
    </message>
    <message>
        <source>The letter could not be taken out.</source>
        <translation>خروج نامه از بایگانی انجام نشد.</translation>
    </message>
</context>
</TS>
