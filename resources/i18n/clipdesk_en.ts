<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="en">
<context>
    <name>ErrorsButton</name>
    <message numerus="yes">
        <source>%Ln unreadable</source>
        <translation>
            <numerusform>%Ln unreadable</numerusform>
            <numerusform>%Ln unreadable</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ErrorsDialog</name>
    <message numerus="yes">
        <source>%Ln file(s) could not be read.</source>
        <translation>
            <numerusform>%Ln file could not be read.</numerusform>
            <numerusform>%Ln files could not be read.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>The first %Ln are listed.</source>
        <translation>
            <numerusform>The first is listed.</numerusform>
            <numerusform>The first %Ln are listed.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>LibraryView</name>
    <message numerus="yes">
        <source>%Ln photo(s), newest first</source>
        <translation>
            <numerusform>%Ln photo, newest first</numerusform>
            <numerusform>%Ln photos, newest first</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>PhotoCount</name>
    <message numerus="yes">
        <source>%Ln photo(s)</source>
        <translation>
            <numerusform>%Ln photo</numerusform>
            <numerusform>%Ln photos</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>QueryImage</name>
    <message numerus="yes">
        <source>%Ln photo(s)</source>
        <translation>
            <numerusform>%Ln photo</numerusform>
            <numerusform>%Ln photos</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>SearchView</name>
    <message numerus="yes">
        <source>Best matches for “{text}”: %Ln, then other results</source>
        <translation>
            <numerusform>Best matches for “{text}”: %Ln, then other results</numerusform>
            <numerusform>Best matches for “{text}”: %Ln, then other results</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>best %Ln, {order}</source>
        <translation>
            <numerusform>best %Ln, {order}</numerusform>
            <numerusform>best %Ln, {order}</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>SectionGrid</name>
    <message numerus="yes">
        <source>%Ln photo(s)</source>
        <translation>
            <numerusform>%Ln photo</numerusform>
            <numerusform>%Ln photos</numerusform>
        </translation>
    </message>
</context>
</TS>