<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="fa_IR" sourcelanguage="en">
<context>
    <name>JalaliCalendarWidget</name>
    <message>
        <location filename="../../app/ui/jalali_date_picker.py" line="117"/>
        <source>Previous month (Page Up)</source>
        <translation>ماه قبل (Page Up)</translation>
    </message>
    <message>
        <location filename="../../app/ui/jalali_date_picker.py" line="121"/>
        <source>Next month (Page Down)</source>
        <translation>ماه بعد (Page Down)</translation>
    </message>
    <message>
        <location filename="../../app/ui/jalali_date_picker.py" line="125"/>
        <source>Month</source>
        <translation>ماه</translation>
    </message>
    <message>
        <location filename="../../app/ui/jalali_date_picker.py" line="129"/>
        <source>Year</source>
        <translation>سال</translation>
    </message>
    <message>
        <location filename="../../app/ui/jalali_date_picker.py" line="132"/>
        <source>Today</source>
        <translation>امروز</translation>
    </message>
    <message>
        <location filename="../../app/ui/jalali_date_picker.py" line="133"/>
        <source>Go to today (Home)</source>
        <translation>رفتن به امروز (Home)</translation>
    </message>
</context>
<context>
    <name>JalaliDateEdit</name>
    <message>
        <location filename="../../app/ui/jalali_date_picker.py" line="389"/>
        <source>Date</source>
        <translation>تاریخ</translation>
    </message>
    <message>
        <location filename="../../app/ui/jalali_date_picker.py" line="394"/>
        <source>Open calendar</source>
        <translation>نمایش تقویم</translation>
    </message>
    <message>
        <location filename="../../app/ui/jalali_date_picker.py" line="450"/>
        <source>Enter a date.</source>
        <translation>تاریخ را وارد کنید.</translation>
    </message>
</context>
<context>
    <name>LetterEditor</name>
    <message>
        <location filename="../../app/ui/letter_editor.py" line="87"/>
        <source>Main letterhead</source>
        <translation>سربرگ اصلی</translation>
    </message>
    <message>
        <location filename="../../app/ui/letter_editor.py" line="108"/>
        <source>Date of the draft; the letter date is set at registration</source>
        <translation>تاریخ پیش‌نویس؛ تاریخ نامه هنگام ثبت تعیین می‌شود.</translation>
    </message>
    <message>
        <location filename="../../app/ui/letter_editor.py" line="113"/>
        <source>Subject of the letter</source>
        <translation>موضوع نامه</translation>
    </message>
    <message>
        <location filename="../../app/ui/letter_editor.py" line="114"/>
        <source>Subject</source>
        <translation>موضوع</translation>
    </message>
    <message>
        <location filename="../../app/ui/letter_editor.py" line="116"/>
        <source>Add a recipient…</source>
        <translation>افزودن گیرنده…</translation>
    </message>
    <message>
        <location filename="../../app/ui/letter_editor.py" line="117"/>
        <source>Add a copy recipient…</source>
        <translation>افزودن گیرنده رونوشت…</translation>
    </message>
    <message>
        <location filename="../../app/ui/letter_editor.py" line="130"/>
        <source>Add a signatory…</source>
        <translation>افزودن امضاکننده…</translation>
    </message>
    <message>
        <location filename="../../app/ui/letter_editor.py" line="135"/>
        <source>Body</source>
        <translation>متن نامه</translation>
    </message>
    <message>
        <location filename="../../app/ui/letter_editor.py" line="142"/>
        <location filename="../../app/ui/letter_editor.py" line="226"/>
        <location filename="../../app/ui/letter_editor.py" line="232"/>
        <source>Save</source>
        <translation>ذخیره</translation>
    </message>
    <message>
        <location filename="../../app/ui/letter_editor.py" line="144"/>
        <location filename="../../app/ui/letter_editor.py" line="228"/>
        <location filename="../../app/ui/letter_editor.py" line="233"/>
        <source>Send for signature</source>
        <translation>ارسال برای امضا</translation>
    </message>
    <message>
        <location filename="../../app/ui/letter_editor.py" line="172"/>
        <source>Subject:</source>
        <translation>موضوع:</translation>
    </message>
    <message>
        <location filename="../../app/ui/letter_editor.py" line="173"/>
        <source>To:</source>
        <translation>گیرندگان:</translation>
    </message>
    <message>
        <location filename="../../app/ui/letter_editor.py" line="174"/>
        <source>Copy to:</source>
        <translation>رونوشت:</translation>
    </message>
    <message>
        <location filename="../../app/ui/letter_editor.py" line="175"/>
        <source>In reply to:</source>
        <translation>عطف به:</translation>
    </message>
    <message>
        <location filename="../../app/ui/letter_editor.py" line="176"/>
        <source>Follow-up of:</source>
        <translation>پیرو:</translation>
    </message>
    <message>
        <location filename="../../app/ui/letter_editor.py" line="177"/>
        <source>Priority:</source>
        <translation>فوریت:</translation>
    </message>
    <message>
        <location filename="../../app/ui/letter_editor.py" line="178"/>
        <source>Classification:</source>
        <translation>طبقه‌بندی:</translation>
    </message>
    <message>
        <location filename="../../app/ui/letter_editor.py" line="179"/>
        <source>Signatories:</source>
        <translation>امضاکنندگان:</translation>
    </message>
    <message>
        <location filename="../../app/ui/letter_editor.py" line="180"/>
        <source>Letterhead:</source>
        <translation>سربرگ:</translation>
    </message>
    <message>
        <location filename="../../app/ui/letter_editor.py" line="252"/>
        <source>New letter</source>
        <translation>نامه جدید</translation>
    </message>
    <message>
        <location filename="../../app/ui/letter_editor.py" line="300"/>
        <source>Signed letter</source>
        <translation>نامه امضاشده</translation>
    </message>
    <message>
        <location filename="../../app/ui/letter_editor.py" line="301"/>
        <source>Editing removes the signature of the letter. Continue?</source>
        <translation>با ویرایش، امضای نامه حذف می‌شود. ادامه می‌دهید؟</translation>
    </message>
    <message>
        <location filename="../../app/ui/letter_editor.py" line="311"/>
        <location filename="../../app/ui/letter_editor.py" line="384"/>
        <source>Unsaved changes</source>
        <translation>تغییرات ذخیره نشده است</translation>
    </message>
    <message>
        <location filename="../../app/ui/letter_editor.py" line="312"/>
        <source>The changes could not be saved. Close anyway and lose them?</source>
        <translation>تغییرات ذخیره نشد. آیا بدون ذخیره بسته شود و تغییرات از دست برود؟</translation>
    </message>
    <message>
        <location filename="../../app/ui/letter_editor.py" line="411"/>
        <source>Not saved: the letter keeps its signature</source>
        <translation>ذخیره نشد؛ امضای نامه باقی ماند</translation>
    </message>
    <message>
        <location filename="../../app/ui/letter_editor.py" line="434"/>
        <source>Saved at %1</source>
        <translation>ذخیره شد (ساعت %1)</translation>
    </message>
    <message>
        <location filename="../../app/ui/letter_editor.py" line="447"/>
        <source>Enter the subject of the letter.</source>
        <translation>موضوع نامه را بنویسید.</translation>
    </message>
    <message>
        <location filename="../../app/ui/letter_editor.py" line="456"/>
        <source>Not saved</source>
        <translation>ذخیره نشد</translation>
    </message>
    <message>
        <location filename="../../app/ui/letter_editor.py" line="561"/>
        <source>Saved, not sent for signature</source>
        <translation>ذخیره شد؛ برای امضا فرستاده نشد</translation>
    </message>
    <message>
        <location filename="../../app/ui/letter_editor.py" line="469"/>
        <source>Internal letter</source>
        <translation>نامه داخلی</translation>
    </message>
    <message>
        <location filename="../../app/ui/letter_editor.py" line="469"/>
        <source>Outgoing letter</source>
        <translation>نامه صادره</translation>
    </message>
    <message>
        <location filename="../../app/ui/letter_editor.py" line="472"/>
        <source>Date: %1</source>
        <translation>تاریخ: %1</translation>
    </message>
</context>
<context>
    <name>LinkPicker</name>
    <message>
        <location filename="../../app/ui/link_picker.py" line="82"/>
        <source>Search letters by subject or number…</source>
        <translation>جستجوی نامه با موضوع یا شماره…</translation>
    </message>
    <message>
        <location filename="../../app/ui/link_picker.py" line="90"/>
        <location filename="../../app/ui/link_picker.py" line="91"/>
        <source>Remove link</source>
        <translation>حذف ارتباط</translation>
    </message>
</context>
<context>
    <name>RecipientPicker</name>
    <message>
        <location filename="../../app/ui/recipient_picker.py" line="217"/>
        <source>Type a name to search the directory…</source>
        <translation>برای جستجو در فهرست، نام را بنویسید…</translation>
    </message>
    <message>
        <location filename="../../app/ui/recipient_picker.py" line="283"/>
        <source>Remove</source>
        <translation>حذف</translation>
    </message>
</context>
<context>
    <name>RichTextToolbar</name>
    <message>
        <location filename="../../app/ui/rich_text_toolbar.py" line="141"/>
        <source>Undo</source>
        <translation>واگرد</translation>
    </message>
    <message>
        <location filename="../../app/ui/rich_text_toolbar.py" line="142"/>
        <source>Redo</source>
        <translation>انجام دوباره</translation>
    </message>
    <message>
        <location filename="../../app/ui/rich_text_toolbar.py" line="150"/>
        <source>Bold</source>
        <translation>پررنگ</translation>
    </message>
    <message>
        <location filename="../../app/ui/rich_text_toolbar.py" line="153"/>
        <source>Italic</source>
        <translation>کج</translation>
    </message>
    <message>
        <location filename="../../app/ui/rich_text_toolbar.py" line="157"/>
        <source>Underline</source>
        <translation>زیرخط</translation>
    </message>
    <message>
        <location filename="../../app/ui/rich_text_toolbar.py" line="167"/>
        <source>Align right</source>
        <translation>راست‌چین</translation>
    </message>
    <message>
        <location filename="../../app/ui/rich_text_toolbar.py" line="174"/>
        <source>Center</source>
        <translation>وسط‌چین</translation>
    </message>
    <message>
        <location filename="../../app/ui/rich_text_toolbar.py" line="181"/>
        <source>Justify</source>
        <translation>تراز دوطرفه</translation>
    </message>
    <message>
        <location filename="../../app/ui/rich_text_toolbar.py" line="192"/>
        <source>Numbered list</source>
        <translation>فهرست شماره‌دار</translation>
    </message>
    <message>
        <location filename="../../app/ui/rich_text_toolbar.py" line="199"/>
        <source>Bulleted list</source>
        <translation>فهرست نشانه‌دار</translation>
    </message>
    <message>
        <location filename="../../app/ui/rich_text_toolbar.py" line="207"/>
        <location filename="../../app/ui/rich_text_toolbar.py" line="208"/>
        <source>Font size</source>
        <translation>اندازه قلم</translation>
    </message>
</context>
</TS>
